"""Import of an existing register from an Excel file (issue 16): reading a bounded
workbook (`workbook`), the letters' columns and their checks (`letters`), the downloadable
template (`template`). Writing is casework.services.letter_import."""
