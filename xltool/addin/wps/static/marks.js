/*
 * xltool's WPS 表格 add-in, part 2: marking a workbook (over book.js, part 1: WPS's object model).
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
  var B = global.XltoolBook;
  var columnLetter = B.columnLetter, cleanRef = B.cleanRef, compareRefs = B.compareRefs, hexToBgr = B.hexToBgr,
      bgrToHex = B.bgrToHex, sheetsOf = B.sheetsOf, findSheet = B.findSheet, sheetValues = B.sheetValues,
      isResultsHeader = B.isResultsHeader, resultsSheet = B.resultsSheet, gridSheets = B.gridSheets,
      textCell = B.textCell, writeBlock = B.writeBlock, ensureSheet = B.ensureSheet,
      deleteSheet = B.deleteSheet, cellRange = B.cellRange, fillOf = B.fillOf, setFill = B.setFill,
      noteOf = B.noteOf, setNote = B.setNote;


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
    setApp: B.setApp,
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
