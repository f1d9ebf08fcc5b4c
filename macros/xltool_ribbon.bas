Attribute VB_Name = "xltool_ribbon"
' Ribbon callbacks of the xltool add-in. The tab itself is defined in
' customUI14.xml; every onAction there names a Sub in this module.
'
' This module is ASCII-only on purpose. VBA stores source text in the project's
' code page (PROJECTCODEPAGE, 1252 for this project), so Chinese string
' literals would need code page 936 and would still turn into "?" on a PC whose
' ANSI code page is not 936. All Chinese text therefore lives in customUI14.xml
' (UTF-8), in the Python functions called below, which show their own
' (Unicode) messages, and in the generated module xltool_text (see below).
'
' On Windows RunPython passes its argument through cmd.exe /C inside double
' quotes, so the commands below must not contain double quotes themselves.
'
' xlwings' RunPython reads ActiveWorkbook.Worksheets first thing, so with no
' workbook open (or only one in Protected View) it stops with run-time error 91.
' Every button therefore checks for a workbook first; the Chinese messages come
' from the module xltool_text, which the builder generates (ChrW, ASCII source).
Option Explicit

' True if a workbook is active; otherwise tells the user to open one.
Private Function WorkbookIsOpen() As Boolean
    If ActiveWorkbook Is Nothing Then
        MsgBox xltool_text.NoWorkbookText(), vbExclamation, xltool_text.TitleText()
        WorkbookIsOpen = False
    Else
        WorkbookIsOpen = True
    End If
End Function

' Button "jiao yan ben biao": validate the active sheet.
Sub ValidateSheet(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xltool.addin.ribbon as m; m.validate_active_sheet()"
End Sub

' Button "jiao yan quan bu": validate every project sheet of the active workbook.
Sub ValidateWorkbook(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xltool.addin.ribbon as m; m.validate_workbook()"
End Sub

' Button "qing chu biao ji": remove the marks left by a validation.
Sub ClearMarks(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xltool.addin.ribbon as m; m.clear_marks()"
End Sub

' Button "xin jian xiang mu biao": add a new, empty project sheet.
Sub NewProjectSheet(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xltool.addin.ribbon as m; m.new_project_sheet()"
End Sub

' Button "bang zhu": show the help text (Chinese, shown by Python). With no
' workbook open Python cannot be called, so the same text is shown from VBA.
Sub ShowHelp(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox xltool_text.HelpText(), vbInformation, xltool_text.TitleText()
        Exit Sub
    End If
    RunPython "import xltool.addin.ribbon as m; m.show_help()"
End Sub
