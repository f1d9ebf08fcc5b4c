/*
 * xltool's WPS 表格 add-in: the buttons of the 绩效目标 tab (ribbon.xml calls OnAction).
 *
 * No validation happens here: a button reads the sheets' used ranges (Range.Value2, placed
 * at the used range's real origin so cell addresses are the sheet's own), posts them to
 * the xltool server's /api/validate-grid and marks the findings as the Excel add-in's
 * marking engine (xltool/write/marking/engine.py) does: the severity's fill, a note that
 * starts with the same header (the user's own note kept above it), every marked cell's
 * original fill and note remembered in the same very hidden marks sheet, so 清除标记
 * restores them exactly (also for a workbook marked by Excel or by `xltool validate
 * --mark`), and a 校验结果 sheet with a link to each cell.
 *
 * The look (colours, note header, columns) comes from config.js, generated from the
 * Python constants. ES5 only: WPS's embedded browsers differ in age.
 */
(function (global) {
  "use strict";

  var C = global.XLTOOL_CONFIG;
  var XL_NONE = -4142; // xlColorIndexNone / xlNone
  var VERY_HIDDEN = 2; // xlSheetVeryHidden
  var DEFAULT_SERVER = "http://127.0.0.1:8765";
  var TIMEOUT_MS = 120000;

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

  // ---------------------------------------------------------------------------
  // The server
  // ---------------------------------------------------------------------------

  function serverBase() {
    if (C.server) { return C.server; }
    var loc = global.location;
    if (loc && /^https?:$/.test(loc.protocol)) { return loc.protocol + "//" + loc.host; }
    return DEFAULT_SERVER;
  }

  function unreachable(base) {
    return "无法连接 xltool 服务器（" + base + "）。\n请确认服务器已经启动：在本机校验时运行 xltool serve；"
      + "使用单位的服务器时请联系管理员。\n服务器地址在加载项文件夹的 config.js 中设置。";
  }

  function replyError(status, body, base) {
    var message = body && body.error && body.error.message;
    if (status === 401 || status === 403) {
      return "xltool 服务器（" + base + "）拒绝了请求：" + (message || "需要访问口令")
        + "。\n请用管理员提供的完整加载项地址（含口令）登记加载项。";
    }
    if (message) { return "校验未完成：" + message; }
    return "xltool 服务器（" + base + "）返回了无法识别的答复（状态 " + status + "）。请确认该地址运行的是 xltool serve。";
  }

  function postGrid(payload, done) {
    var base = serverBase();
    var xhr;
    var finished = false;
    var finish = function (err, body) {
      if (finished) { return; }
      finished = true;
      try { done(err, body); } catch (e) { internalError(e); } // marking runs in this callback
    };
    try {
      xhr = new global.XMLHttpRequest();
      xhr.open("POST", base + "/api/validate-grid", true);
      xhr.setRequestHeader("Content-Type", "application/json");
      xhr.timeout = TIMEOUT_MS;
    } catch (e) {
      finish(unreachable(base));
      return;
    }
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 200 && body && Array.isArray(body.findings)) { finish(null, body); return; }
      finish(replyError(xhr.status, body, base));
    };
    xhr.onerror = function () { finish(unreachable(base)); };
    xhr.ontimeout = function () {
      finish("xltool 服务器（" + base + "）在 " + (TIMEOUT_MS / 1000) + " 秒内没有答复，请稍后再试。");
    };
    xhr.send(JSON.stringify(payload));
  }

  // ---------------------------------------------------------------------------
  // The buttons
  // ---------------------------------------------------------------------------

  var internalError = function () {};

  function internalMessage(e) {
    return "程序内部错误（" + (e && e.message ? e.message : e) + "）。请把工作簿和操作步骤发给维护人员。";
  }

  function say(text) {
    if (typeof global.alert === "function") { global.alert(text); }
  }

  function fileProblem(reply) {
    var file = reply.files && reply.files[0];
    return file && file.status === "failed" ? "校验未完成：" + file.message : null;
  }

  function validate(app, onlyActive, done) {
    var book = app.ActiveWorkbook;
    if (!book) { return done("请先打开要校验的工作簿。"); }
    var active = app.ActiveSheet;
    var grids = gridSheets(book, null);
    if (!grids.length) { return done("本工作簿中没有可校验的工作表。"); }
    postGrid({ book: book.Name, sheets: grids }, function (err, reply) {
      if (err) { return done(err); }
      if (fileProblem(reply)) { return done(fileProblem(reply)); }
      var projects = (reply.files && reply.files[0] && reply.files[0].projects) || 0;
      var finishMarks = function (findings, scope, where) {
        applyMarks(book, findings, scope);
        active.Activate();
        if (findings.length) {
          done(null, "校验完成：" + where + "共发现" + countLine(findings) + "。\n"
               + "有问题的单元格已标色并加批注，全部问题见“" + resultsSheet(book).name + "”工作表。");
        } else {
          done(null, "校验完成：" + where + "未发现问题。");
        }
      };
      if (!onlyActive) {
        if (!projects) { return done("本工作簿中没有项目绩效目标表（未找到“项目名称”和指标表栏目）。"); }
        return finishMarks(reply.findings, null, projects + " 张项目表");
      }
      var mine = reply.findings.filter(function (f) { return f.sheet === active.Name; });
      var scope = {};
      scope[active.Name] = true;
      var where = "工作表“" + active.Name + "”";
      if (mine.length) { return finishMarks(mine, scope, where); }
      // No finding on this sheet: is it a project sheet at all?
      postGrid({ book: book.Name, sheets: gridSheets(book, active.Name) }, function (err2, alone) {
        if (err2) { return done(err2); }
        if (!(alone.files && alone.files[0] && alone.files[0].projects)) {
          return done("当前工作表“" + active.Name + "”不是项目绩效目标表（未找到“项目名称”和指标表栏目）。"
                      + "请切换到项目表后再点“校验本表”。");
        }
        finishMarks([], scope, where);
      });
    });
  }

  function clear(app, done) {
    var book = app.ActiveWorkbook;
    if (!book) { return done("请先打开工作簿。"); }
    var active = app.ActiveSheet;
    var existing = {};
    sheetsOf(book).forEach(function (s) { existing[s.Name] = true; });
    var records = readMarks(book).filter(function (r) { return existing[r.sheet]; });
    if (!records.length && !resultsSheet(book).sheet) { return done(null, "本工作簿中没有 xltool 留下的标记。"); }
    var restored = clearMarks(app, book);
    if (findSheet(book, active.Name)) { active.Activate(); }
    done(null, "已清除 " + restored + " 处标记，单元格原来的底色和批注已恢复。");
  }

  function nextTitle(book) {
    var taken = {};
    sheetsOf(book).forEach(function (s) { taken[s.Name.toLowerCase()] = true; });
    for (var n = 1; ; n++) { if (!taken[("项目" + n).toLowerCase()]) { return "项目" + n; } }
  }

  /** 新建项目表: a copy of the active project sheet with its input (unlocked) cells emptied. */
  function newSheet(app, done) {
    var book = app.ActiveWorkbook;
    if (!book) { return done("请先打开工作簿。"); }
    var source = app.ActiveSheet;
    postGrid({ book: book.Name, sheets: gridSheets(book, source.Name) }, function (err, reply) {
      if (err) { return done(err); }
      if (!(reply.files && reply.files[0] && reply.files[0].projects)) {
        return done("请先切换到一张项目绩效目标表：新表以当前项目表为样板复制，并清空其中的填写内容。"
                    + "没有项目表时请用 xltool template 生成模板工作簿。");
      }
      var title = nextTitle(book);
      source.Copy(undefined, source);
      var copy = book.Worksheets.Item(source.Index + 1);
      copy.Name = title;
      var used = copy.UsedRange;
      var cleared = 0;
      for (var r = 0; r < used.Rows.Count; r++) {
        for (var c = 0; c < used.Columns.Count; c++) {
          var cell = copy.Range(columnLetter(used.Column + c) + (used.Row + r));
          var value = cell.Value2;
          if (cell.Locked !== false || cell.HasFormula || value === null || value === undefined || value === "") {
            continue;
          }
          (cell.MergeCells ? cell.MergeArea : cell).ClearContents();
          cleared += 1;
        }
      }
      readMarks(book).forEach(function (r) { // marks copied along with the sheet are undone on the copy
        if (r.sheet !== source.Name) { return; }
        var range = copy.Range(r.cell);
        setFill(range, colorOfRecord(r.fill));
        if (r.note) { setNote(range, r.note, r.author); } else { range.ClearComments(); }
      });
      copy.Activate();
      done(null, cleared ? "已新建项目表“" + title + "”，请在白色单元格中填写。"
        : "已新建项目表“" + title + "”。样板表中没有可填写（未锁定）的单元格，原有内容未清空，请手动修改。");
    });
  }

  function help(done) {
    done(null, C.helpText + "\n\nWPS 版通过 xltool 服务器校验，当前服务器：" + serverBase() + "。");
  }

  var ACTIONS = {
    xltoolValidateSheet: function (app, done) { validate(app, true, done); },
    xltoolValidateWorkbook: function (app, done) { validate(app, false, done); },
    xltoolClearMarks: clear,
    xltoolNewProjectSheet: newSheet,
    xltoolShowHelp: function (app, done) { help(done); }
  };

  /** Run one button; `done(error, message)` gets the Chinese text shown to the user. */
  function run(id, done) {
    var report = function (err, message) {
      say(err || message);
      if (done) { done(err || null, message || null); }
    };
    var action = ACTIONS[id];
    if (!action) { return report("未知的按钮：" + id); }
    var app = global.Application || global.wps;
    APP = app;
    internalError = function (e) { report(internalMessage(e)); };
    try {
      action(app, function (err, message) {
        try { report(err, message); } catch (e) { /* the message box itself failed */ }
      });
    } catch (e) {
      report(internalMessage(e));
    }
  }

  global.OnAddinLoad = function (ribbonUI) {
    global.XltoolRibbon = ribbonUI;
    return true;
  };

  global.OnAction = function (control) {
    run(control && (control.Id || control.id));
    return true;
  };

  global.XltoolWps = {
    run: run,
    serverBase: serverBase,
    sheetValues: sheetValues,
    noteText: noteText,
    mergeNote: mergeNote,
    stripOurNote: stripOurNote,
    hexToBgr: hexToBgr,
    bgrToHex: bgrToHex,
    colorOfRecord: colorOfRecord
  };
})(this);
