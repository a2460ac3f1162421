"""Testing helpers shipped with albumen: the synthetic photo corpus generator
(``python -m albumen.testing.corpus OUT --count N``), synthetic library databases for tests
and benchmarks (``python -m albumen.testing.synthetic OUT.db --count N``), and generators of
every media format albumen probes (``albumen.testing.formats``)."""
