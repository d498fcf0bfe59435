"""Tools that are not studies: benchmarks (``bench``), the page's front-end assets
(``assets``), the ODD parameter tables (``odd_params``) and the page's screenshots
(``viz_browser``). Run each as ``python -m experiments.tools.NAME``."""
