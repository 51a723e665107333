"""Streamlit upload-and-ask UI."""
