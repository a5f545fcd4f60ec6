"""Reading trial documents into typed `Trial` records and building the search index."""
