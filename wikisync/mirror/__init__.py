"""The local-folder adapter: the mirror's layout, its files, its reader and its writer."""
