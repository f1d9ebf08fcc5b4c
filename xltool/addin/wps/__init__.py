"""The WPS 表格 add-in (a WPS JS add-in, "jsaddons"): the Excel ribbon's tab and buttons in WPS.

xlwings cannot drive WPS, so here the buttons run JavaScript inside WPS: they read the
sheets' used ranges, post them to an xltool server's ``/api/validate-grid`` and mark
the findings through WPS's object model exactly as the Excel add-in marks them. See
:mod:`.build` for what is written, :file:`static/book.js` for WPS's object model,
:file:`static/marks.js` for the marking and :file:`static/main.js` for the buttons.
"""

from xltool.addin.wps.build import DEFAULT_SERVER, WpsBuild, build_wps_addin, config_js, ribbon_xml

__all__ = ["DEFAULT_SERVER", "WpsBuild", "build_wps_addin", "config_js", "ribbon_xml"]
