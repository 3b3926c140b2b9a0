"""Contacts from a CSV file: upload, map columns to fields, preview, import in the
background, and a report of every row.

The file goes to disk as it arrives (`upload`, `storage`), is read one record at a time
(`reading`), each row is read into a contact's values by the column mapping (`mapping`,
`cells`), decided against the contacts that exist and what the person may do (`decide`),
and written in chunks by a background task that can resume after a crash (`run`, `tasks`),
leaving a per-row report beside the upload (`report`). The preview runs the same reading
and deciding on the first rows, writing nothing.
"""
