"""Testing helpers shipped with albumen: the synthetic photo corpus generator
(``python -m albumen.testing.corpus OUT --count N``)."""
