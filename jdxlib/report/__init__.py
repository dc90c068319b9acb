"""The report pipeline behind ``jdx report``.

catalog    which notebooks exist (``notebooks/NN_key.ipynb``, ``profile_*.ipynb``) and the
           parameters their ``parameters`` cell declares
config     YAML batch files (notebooks × parameter sets × formats), errors with file:line: key
runner     parallel execution with papermill, atomic outputs, idempotent skips
warm       the ``jdx_warm`` papermill engine: one reused, reset-between-reports kernel per worker
exporters  nbconvert exporters ``jdx_html`` (offline, lang="ja", header) and ``jdx_pdf``
           (A4 via WeasyPrint, bundled IPAexGothic embedded)
manifest   manifest.json (inputs and outputs with sha256, status, tool versions) and index.html
cli        the click command
"""
