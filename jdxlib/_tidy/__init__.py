"""The numeric, tidy halves of the theme modules (tables layer).

:mod:`jdxlib.procedures`, :mod:`jdxlib.cards` and :mod:`jdxlib.profiles` keep their Japanese text,
captions and charts (present layer) and re-export these functions, so every old import path
still works; :mod:`jdxlib.tables` is the public facade for analysts.
"""
