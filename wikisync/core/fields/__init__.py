"""Field types: how a template parameter's text is read, checked and written."""
