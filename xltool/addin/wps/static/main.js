/*
 * xltool's WPS 表格 add-in, part 2: the buttons of the 绩效目标 tab (ribbon.xml calls OnAction).
 *
 * No validation happens here: a button reads the sheets' used ranges (Range.Value2, placed
 * at the used range's real origin so cell addresses are the sheet's own), posts them to
 * the xltool server's /api/validate-grid and hands the findings to marks.js, which marks
 * them as the Excel add-in does. ES5 only: WPS's embedded browsers differ in age.
 */
(function (global) {
  "use strict";

  var C = global.XLTOOL_CONFIG;
  var M = global.XltoolMarks;
  var DEFAULT_SERVER = "http://127.0.0.1:8765";
  var TIMEOUT_MS = 120000;
  var sheetsOf = M.sheetsOf;
  var findSheet = M.findSheet;
  var gridSheets = M.gridSheets;
  var resultsSheet = M.resultsSheet;
  var readMarks = M.readMarks;
  var applyMarks = M.applyMarks;
  var clearMarks = M.clearMarks;
  var columnLetter = M.columnLetter;
  var setFill = M.setFill;
  var setNote = M.setNote;
  var colorOfRecord = M.colorOfRecord;
  var countLine = M.countLine;

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
    M.setApp(app);
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
    sheetValues: M.sheetValues
  };
})(this);
