"""Testing helpers shipped with albumen: the synthetic photo corpus generator
(``python -m albumen.testing.corpus OUT --count N``) and synthetic library databases for tests
and benchmarks (``python -m albumen.testing.synthetic OUT.db --count N``)."""
