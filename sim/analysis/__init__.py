"""Analysing what experiment/ wrote (like EMA Workbench's analysis package): a sweep folder's
summaries (summary), means and CIs and baseline differences (aggregate), sensitivity indices
(sensitivity), figures (plots), the HTML report (report, report_sections, report_html), and
one run's files (run_output). Nothing here runs a model."""
