"""The PySide6 viewer (``albumen view``): the main window and its widgets. Needs the ``viewer``
extra; ``albumen.viewer.qt.app.run`` starts it. Qt lives only here and the GL pipeline in
``albumen.viewer.gpu``; the models the widgets watch (rows by position, layouts, selection)
are in ``albumen.browse`` and know no Qt."""
