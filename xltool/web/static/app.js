/* Progress of a merge job, pushed by server-sent events; without script the page refreshes itself. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (box) {
    var state = box.getAttribute("data-state");
    if (state === "queued" || state === "running") {
      var label = document.getElementById("state");
      var bar = document.getElementById("bar");
      var source = new EventSource(box.getAttribute("data-events"));
      source.onmessage = function (event) {
        var s = JSON.parse(event.data);
        if (s.state === "queued") {
          label.textContent = "排队等待中（前面还有 " + Math.max(0, s.queue - 1) + " 个任务）";
        } else if (s.state === "running") {
          label.textContent = "正在读取：已读 " + s.done + " / 共 " + s.total + " 个文件";
          bar.max = Math.max(1, s.total);
          bar.value = s.done;
        } else {
          source.close();
          bar.max = Math.max(1, s.total);
          bar.value = s.total;
          label.textContent = s.state === "done" ? "汇总完成，正在显示结果……" : "汇总失败";
          window.location.reload();
        }
      };
      source.onerror = function () {
        source.close();
        document.getElementById("reload").hidden = false;
        window.setTimeout(function () { window.location.reload(); }, 3000);
      };
    }
  }
  var highlighted = document.getElementById("hit");
  var wrap = highlighted && highlighted.closest(".sheet-wrap");
  if (wrap) {  // scroll the sheet, not the page: the finding above it stays in view
    wrap.scrollTop = Math.max(0, highlighted.offsetTop - wrap.clientHeight / 2);
    wrap.scrollLeft = Math.max(0, highlighted.offsetLeft - wrap.clientWidth / 2);
  }
  var forms = document.querySelectorAll("form.upload");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button");
      if (button) { window.setTimeout(function () { button.disabled = true; button.textContent = "正在上传……"; }, 0); }
    });
  });
})();
