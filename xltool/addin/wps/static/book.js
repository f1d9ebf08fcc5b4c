/*
 * xltool's WPS 表格 add-in, part 1: the workbook through WPS's object model.
 *
 * Cell addresses, colours (WPS, like Excel, holds them as BGR), reading a sheet's used
 * range as values, finding and adding sheets, and one cell's fill and note, as
 * marks.js (part 2, the marking) and main.js (the buttons) need them. The bounds
 * and names come from config.js, generated from the Python constants.
 * ES5 only: WPS's embedded browsers differ in age.
 */
(function (global) {
  "use strict";

  var C = global.XLTOOL_CONFIG;
  var XL_NONE = -4142; // xlColorIndexNone / xlNone
  var VERY_HIDDEN = 2; // xlSheetVeryHidden

  // ---------------------------------------------------------------------------
  // Cell addresses
  // ---------------------------------------------------------------------------

  function columnLetter(n) {
    var s = "";
    while (n > 0) {
      var m = (n - 1) % 26;
      s = String.fromCharCode(65 + m) + s;
      n = Math.floor((n - 1) / 26);
    }
    return s;
  }

  function splitRef(ref) {
    var m = /^([A-Z]+)(\d+)$/.exec(ref);
    if (!m) { return null; }
    var col = 0;
    for (var i = 0; i < m[1].length; i++) { col = col * 26 + (m[1].charCodeAt(i) - 64); }
    return [parseInt(m[2], 10), col];
  }

  function cleanRef(ref) {
    return String(ref || "").replace(/\$/g, "").toUpperCase();
  }

  function compareRefs(a, b) {
    var x = splitRef(a) || [0, 0];
    var y = splitRef(b) || [0, 0];
    return x[0] - y[0] || x[1] - y[1];
  }

  // ---------------------------------------------------------------------------
  // Colours: WPS, like Excel's object model, holds a colour as BGR
  // ---------------------------------------------------------------------------

  function hexToBgr(hex) {
    var v = parseInt(hex.replace("#", ""), 16);
    return ((v & 0xFF) << 16) | (v & 0xFF00) | ((v >> 16) & 0xFF);
  }

  function bgrToHex(bgr) {
    var rgb = ((bgr & 0xFF) << 16) | (bgr & 0xFF00) | ((bgr >> 16) & 0xFF);
    var s = rgb.toString(16).toUpperCase();
    while (s.length < 6) { s = "0" + s; }
    return "#" + s;
  }

  /** A marks-sheet fill record as Python writes it: {"color": "#RRGGBB"} or {"color": null}. */
  // ---------------------------------------------------------------------------
  // The workbook through WPS's object model
  // ---------------------------------------------------------------------------

  function sheetsOf(book) {
    var list = [];
    var sheets = book.Worksheets;
    for (var i = 1; i <= sheets.Count; i++) { list.push(sheets.Item(i)); }
    return list;
  }

  function findSheet(book, name) {
    var all = sheetsOf(book);
    for (var i = 0; i < all.length; i++) { if (all[i].Name === name) { return all[i]; } }
    return null;
  }

  /** Value2 of a range as rows × cols (a single cell gives a scalar; some hosts give a SafeArray). */
  function matrix(value, rows, cols) {
    if (value && typeof value.toArray === "function") { value = value.toArray(); }
    if (!Array.isArray(value)) { value = [[value]]; }
    var out = [];
    for (var r = 0; r < rows; r++) {
      var row = Array.isArray(value[r]) ? value[r] : (rows === 1 ? value : [value[r]]);
      var line = [];
      for (var c = 0; c < cols; c++) {
        var v = row[c];
        line.push(v === undefined ? null : v);
      }
      out.push(line);
    }
    return out;
  }

  /** The sheet's used range from A1: rows and columns before the used range's origin are empty. */
  function sheetValues(sheet) {
    var used = sheet.UsedRange;
    var top = used.Row;
    var left = used.Column;
    var rows = Math.min(used.Rows.Count, C.maxRows);
    var cols = Math.min(used.Columns.Count, C.maxCols);
    if (rows < used.Rows.Count || cols < used.Columns.Count) { used = used.Resize(rows, cols); }
    var block = matrix(used.Value2, rows, cols);
    var out = [];
    for (var r = 1; r < top; r++) { out.push([]); }
    block.forEach(function (row) {
      var line = [];
      for (var c = 1; c < left; c++) { line.push(null); }
      out.push(line.concat(row));
    });
    return out;
  }

  function isResultsHeader(row) {
    var kept = (row || []).filter(function (v) { return v !== null && v !== undefined && v !== ""; });
    return kept.length === C.resultsHeaders.length && kept.every(function (v, i) { return v === C.resultsHeaders[i]; });
  }

  /** xltool's results sheet: 校验结果, or 校验结果2 … when a user's own sheet has the name. */
  function resultsSheet(book) {
    for (var n = 1; ; n++) {
      var name = n === 1 ? C.resultsSheet : C.resultsSheet + n;
      var sheet = findSheet(book, name);
      if (!sheet || isResultsHeader(sheetValues(sheet)[0])) { return { name: name, sheet: sheet }; }
    }
  }

  /** The sheets a validation reads: every sheet but xltool's marks and results sheets. */
  function gridSheets(book, only) {
    return sheetsOf(book).filter(function (sheet) {
      if (only && sheet.Name !== only) { return false; }
      if (sheet.Name === C.marksSheet) { return false; }
      return true;
    }).map(function (sheet) {
      return { name: sheet.Name, values: sheetValues(sheet) };
    }).filter(function (grid) { return !isResultsHeader(grid.values[0]); });
  }

  function textCell(value) {
    return typeof value === "string" && /^[=+\-@]/.test(value) ? "'" + value : value;
  }

  function writeBlock(sheet, rows, width) {
    var padded = rows.map(function (row) {
      var line = row.slice(0, width);
      while (line.length < width) { line.push(""); }
      return line;
    });
    sheet.Range("A1").Resize(padded.length, width).Value2 = padded;
  }

  function ensureSheet(book, name, veryHidden) {
    var sheet = findSheet(book, name);
    if (sheet) { return sheet; }
    var all = sheetsOf(book);
    sheet = book.Worksheets.Add(undefined, all[all.length - 1]);
    sheet.Name = name;
    if (veryHidden) { sheet.Visible = VERY_HIDDEN; }
    return sheet;
  }

  function deleteSheet(app, sheet) {
    var alerts = app.DisplayAlerts;
    app.DisplayAlerts = false;
    try { sheet.Delete(); } finally { app.DisplayAlerts = alerts; }
  }

  // --- one cell's fill and note

  function cellRange(book, sheetName, ref) {
    return findSheet(book, sheetName).Range(ref);
  }

  function fillOf(range) {
    var interior = range.Interior;
    if (interior.ColorIndex === XL_NONE || interior.Pattern === XL_NONE) { return null; }
    return bgrToHex(interior.Color);
  }

  function setFill(range, color) {
    if (color) { range.Interior.Color = hexToBgr(color); } else { range.Interior.ColorIndex = XL_NONE; }
  }

  function noteOf(range) {
    var comment = range.Comment;
    if (!comment) { return null; }
    return [comment.Text() || "", comment.Author || ""];
  }

  var APP = null; // the Application of the running button

  /** A note by `author` (xltool's own, or the user's original one being restored). */
  function setNote(range, text, author) {
    range.ClearComments();
    var user = APP && author ? APP.UserName : null;
    if (user === null || user === author) { range.AddComment(text); return; }
    APP.UserName = author; // AddComment signs with the application's user name
    try { range.AddComment(text); } finally { APP.UserName = user; }
  }

  global.XltoolBook = {
    setApp: function (app) { APP = app; },
    columnLetter: columnLetter,
    splitRef: splitRef,
    cleanRef: cleanRef,
    compareRefs: compareRefs,
    hexToBgr: hexToBgr,
    bgrToHex: bgrToHex,
    sheetsOf: sheetsOf,
    findSheet: findSheet,
    matrix: matrix,
    sheetValues: sheetValues,
    isResultsHeader: isResultsHeader,
    resultsSheet: resultsSheet,
    gridSheets: gridSheets,
    textCell: textCell,
    writeBlock: writeBlock,
    ensureSheet: ensureSheet,
    deleteSheet: deleteSheet,
    cellRange: cellRange,
    fillOf: fillOf,
    setFill: setFill,
    noteOf: noteOf,
    setNote: setNote
  };
})(this);
