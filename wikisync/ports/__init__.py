"""The protocols every adapter fulfils (a source of pages, a save target) and what they
hand back."""
