"""What test files share: data, waiting, pages under AppTest, run folders, pictures, workers. Test files import these
modules; pytest fixtures stay in the `conftest.py` files, and no test file imports from another test file."""
