"""abas ERP: REST client, export/import files, and normalization to the open_items frame."""
