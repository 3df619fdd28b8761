"""A FastAPI app embedding craic (see README.md)."""
