"""xltool: 项目绩效目标表 template, validation and consolidation."""

__version__ = "0.1.0"
