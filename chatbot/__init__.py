"""The conversation and the Gradio app."""
