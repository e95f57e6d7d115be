"""What test files share: `data` (synthetic digits, the repository root), `waiting` (one `wait_until`), `app` (pages
under AppTest), `figures` (plotly figures a page sent), `pictures`, `run_files` (run folders and their damages),
`workers`, `server` and `browser` (a real app server and Chromium). Test files and the measuring scripts of
`measure/` import these modules; pytest fixtures stay in the `conftest.py` files, and no test file imports from
another test file."""
