/*
 * xltool's WPS 表格 add-in, part 1: marking a workbook through WPS's object model.
 *
 * A port of the Excel add-in's marking engine (xltool/write/marking/engine.py) and its
 * look (xltool/write/report.py): the severity's fill, a note that starts with the same
 * header (the user's own note kept above it), every marked cell's original fill and note
 * remembered in the same very hidden marks sheet and with the same fill records, so
 * 清除标记 restores them exactly (also for a workbook marked by Excel or by `xltool
 * validate --mark`), and a 校验结果 sheet with a link to each cell. The look comes from
 * config.js, generated from the Python constants. main.js holds the buttons.
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
  // Notes and colours (xltool/write/report.py)
  // ---------------------------------------------------------------------------

  function stableSort(items, compare) {
    var indexed = items.map(function (item, i) { return [item, i]; });
    indexed.sort(function (a, b) { return compare(a[0], b[0]) || a[1] - b[1]; });
    return indexed.map(function (pair) { return pair[0]; });
  }

  function noteText(findings) {
    var lines = [C.noteHeader];
    stableSort(findings, function (a, b) {
      return (C.ranks[a.severity] - C.ranks[b.severity]) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
    }).forEach(function (f) {
      lines.push(C.labels[f.severity] + " " + f.code + "：" + f.message);
    });
    return lines.join("\n");
  }

  function stripOurNote(text) {
    var at = text.indexOf(C.noteHeader);
    return at < 0 ? text : text.slice(0, at).replace(/\s+$/, "");
  }

  function mergeNote(userText, ours) {
    var user = stripOurNote(userText || "");
    return user ? user + "\n\n" + ours : ours;
  }

  function worst(findings) {
    var best = findings[0].severity;
    findings.forEach(function (f) { if (C.ranks[f.severity] < C.ranks[best]) { best = f.severity; } });
    return best;
  }

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
  function fillRecordText(color) {
    return '{"color": ' + JSON.stringify(color) + "}";
  }

  /** The colour a fill record stands for; openpyxl's records ({"xml": …}) map when solid RGB. */
  function colorOfRecord(text) {
    var data;
    try { data = text ? JSON.parse(text) : {}; } catch (e) { return null; }
    if (data && Object.prototype.hasOwnProperty.call(data, "color")) { return data.color || null; }
    var xml = String((data && data.xml) || "");
    if (xml.indexOf('patternType="solid"') >= 0) {
      var m = /<fgColor[^>]*rgb="([0-9A-Fa-f]{8}|[0-9A-Fa-f]{6})"/.exec(xml);
      if (m) { return "#" + m[1].slice(-6).toUpperCase(); }
    }
    return null;
  }

  function countLine(findings) {
    var n = { error: 0, warning: 0, info: 0 };
    findings.forEach(function (f) { n[f.severity] += 1; });
    return "错误 " + n.error + " 条，警告 " + n.warning + " 条，提示 " + n.info + " 条";
  }

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

  // ---------------------------------------------------------------------------
  // The marks sheet and the marking (xltool/write/marking/engine.py)
  // ---------------------------------------------------------------------------

  function readMarks(book) {
    var sheet = findSheet(book, C.marksSheet);
    if (!sheet) { return []; }
    var records = [];
    sheetValues(sheet).forEach(function (row) {
      var cells = [];
      for (var i = 0; i < 5; i++) {
        var v = row[i];
        cells.push(v === null || v === undefined ? "" : String(v));
      }
      var header = cells.every(function (v, i) { return v === C.marksHeaders[i]; });
      if (header || !cells[0] || !cells[1]) { return; }
      records.push({ sheet: cells[0], cell: cells[1], fill: cells[2], note: cells[3], author: cells[4] });
    });
    return records;
  }

  function writeMarks(book, records) {
    var sheet = ensureSheet(book, C.marksSheet, true);
    sheet.Cells.ClearContents();
    var rows = [C.marksHeaders.slice()].concat(records.map(function (r) {
      return [r.sheet, r.cell, r.fill, r.note, r.author].map(textCell);
    }));
    writeBlock(sheet, rows, C.marksHeaders.length);
  }

  function recordOf(book, sheet, ref) {
    var range = cellRange(book, sheet, ref);
    var note = noteOf(range);
    var user = note ? stripOurNote(note[0]) : "";
    var author = note && user && note[1] !== C.noteAuthor ? note[1] : "";
    return { sheet: sheet, cell: ref, fill: fillRecordText(fillOf(range)), note: user, author: author };
  }

  function stripOurs(book, sheet, ref) {
    var range = cellRange(book, sheet, ref);
    var note = noteOf(range);
    if (!note) { return; }
    if (note[0].indexOf(C.noteHeader) < 0 && note[1] !== C.noteAuthor) { return; } // the user's own
    var rest = note[0].indexOf(C.noteHeader) >= 0 ? stripOurNote(note[0]) : "";
    if (rest) { setNote(range, rest, note[1] === C.noteAuthor ? "" : note[1]); } else { range.ClearComments(); }
  }

  function restore(book, record) {
    setFill(cellRange(book, record.sheet, record.cell), colorOfRecord(record.fill));
    if (record.note) {
      setNote(cellRange(book, record.sheet, record.cell), record.note, record.author);
    } else {
      stripOurs(book, record.sheet, record.cell);
    }
  }

  function key(sheet, cell) { return sheet + "\u0000" + cell; }

  /** Replace the marks of the sheets in `scope` (null: every sheet) by `findings`; returns cells marked. */
  function applyMarks(book, findings, scope) {
    var existing = {};
    sheetsOf(book).forEach(function (s) { existing[s.Name] = true; });
    var inScope = function (name) { return scope === null ? !!existing[name] : !!scope[name]; };
    var records = readMarks(book).filter(function (r) { return existing[r.sheet]; });
    var kept = records.filter(function (r) { return !inScope(r.sheet); });
    var old = {};
    records.forEach(function (r) { if (inScope(r.sheet)) { old[key(r.sheet, r.cell)] = r; } });
    var wanted = {};
    var order = [];
    findings.forEach(function (f) {
      if (!f.sheet || !f.cell || !existing[f.sheet]) { return; }
      var k = key(f.sheet, cleanRef(f.cell));
      if (!wanted[k]) { wanted[k] = { sheet: f.sheet, cell: cleanRef(f.cell), items: [] }; order.push(k); }
      wanted[k].items.push(f);
    });
    order.sort(function (a, b) {
      var x = wanted[a];
      var y = wanted[b];
      return x.sheet < y.sheet ? -1 : x.sheet > y.sheet ? 1 : compareRefs(x.cell, y.cell);
    });
    var fresh = [];
    order.forEach(function (k) {
      var w = wanted[k];
      var record = old[k] || recordOf(book, w.sheet, w.cell);
      fresh.push(record);
      var range = cellRange(book, w.sheet, w.cell);
      setNote(range, mergeNote(record.note, noteText(w.items)), C.noteAuthor);
      setFill(range, C.colors[worst(w.items)]);
    });
    Object.keys(old).sort().forEach(function (k) { if (!wanted[k]) { restore(book, old[k]); } });
    writeMarks(book, kept.concat(fresh));
    var previous = [];
    if (scope !== null) {
      var current = resultsSheet(book).sheet;
      previous = findingsFromResults(current ? sheetValues(current) : []).filter(function (f) { return !scope[f.sheet]; });
    }
    writeResults(book, previous.concat(findings));
    return fresh.length;
  }

  /** Every mark undone: original fills and notes back, records dropped, results sheet gone. */
  function clearMarks(app, book) {
    var existing = {};
    sheetsOf(book).forEach(function (s) { existing[s.Name] = true; });
    var records = readMarks(book).filter(function (r) { return existing[r.sheet]; });
    records.forEach(function (r) { restore(book, r); });
    if (findSheet(book, C.marksSheet)) { writeMarks(book, []); }
    var results = resultsSheet(book).sheet;
    if (results) { deleteSheet(app, results); }
    return records.length;
  }

  // ---------------------------------------------------------------------------
  // The results sheet
  // ---------------------------------------------------------------------------

  function quoteSheet(name) { return "'" + name.replace(/'/g, "''") + "'"; }

  function hyperlink(sheet, cell, text) {
    var target = ("#" + quoteSheet(sheet) + "!" + (cell || "A1")).replace(/"/g, '""');
    return '=HYPERLINK("' + target + '","' + String(text).replace(/"/g, '""') + '")';
  }

  function findingsFromResults(values) {
    var found = [];
    if (!values.length || !isResultsHeader(values[0])) { return found; }
    var severityOf = {};
    Object.keys(C.labels).forEach(function (s) { severityOf[C.labels[s]] = s; });
    values.slice(1).forEach(function (row) {
      var v = [];
      for (var i = 0; i < 7; i++) { v.push(row[i] === null || row[i] === undefined ? "" : String(row[i])); }
      if (!severityOf[v[4]] || !v[5]) { return; }
      found.push({ sheet: v[1], project: v[2], cell: v[3].charAt(0) === "（" ? "" : v[3], severity: severityOf[v[4]],
                   code: v[5], message: v[6] });
    });
    return found;
  }

  function writeResults(book, findings) {
    var place = resultsSheet(book);
    var sheet = place.sheet || ensureSheet(book, place.name, false);
    sheet.Cells.Clear();
    var existing = {};
    sheetsOf(book).forEach(function (s) { existing[s.Name] = true; });
    var width = C.resultsHeaders.length;
    var rows = [C.resultsHeaders.slice()];
    findings.forEach(function (f, i) {
      var cellText = f.cell || "（整表）";
      var row = [i + 1, f.sheet, f.project, cellText, C.labels[f.severity], f.code, f.message].map(textCell);
      if (f.sheet && existing[f.sheet]) { row[3] = hyperlink(f.sheet, f.cell, cellText); }
      rows.push(row);
    });
    if (!findings.length) { rows.push([C.resultsEmpty]); }
    writeBlock(sheet, rows, width);
    var last = columnLetter(width);
    sheet.Range("A1:" + last + "1").Interior.Color = C.headerFillBgr;
    sheet.Range("A1:" + last + "1").Font.Bold = true;
    var level = columnLetter(C.resultsHeaders.indexOf("级别") + 1);
    findings.forEach(function (f, i) { sheet.Range(level + (i + 2)).Interior.Color = C.colorsBgr[f.severity]; });
    C.resultsWidths.forEach(function (w, i) {
      var letter = columnLetter(i + 1);
      sheet.Range(letter + "1:" + letter + rows.length).ColumnWidth = w;
    });
  }

  global.XltoolMarks = {
    setApp: function (app) { APP = app; },
    columnLetter: columnLetter,
    sheetsOf: sheetsOf,
    findSheet: findSheet,
    sheetValues: sheetValues,
    gridSheets: gridSheets,
    resultsSheet: resultsSheet,
    readMarks: readMarks,
    applyMarks: applyMarks,
    clearMarks: clearMarks,
    setFill: setFill,
    setNote: setNote,
    colorOfRecord: colorOfRecord,
    countLine: countLine,
    noteText: noteText,
    mergeNote: mergeNote,
    stripOurNote: stripOurNote,
    hexToBgr: hexToBgr,
    bgrToHex: bgrToHex
  };
})(this);
