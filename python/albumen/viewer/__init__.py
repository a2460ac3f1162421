"""The viewer: the GPU pipeline (``albumen.viewer.gpu``, moderngl, no Qt) and, later, the
PySide6 application that draws with it. Needs the ``viewer`` extra (``pip install
albumen[viewer]``); importing this package imports neither Qt nor moderngl."""
