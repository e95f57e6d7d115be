"""The Draw page: the drawing canvas, a digit read by one model or two, its figures, its address."""
