"""The dashboard's entry point: Home, then one page per task from the registry (`cnnrnn.tasks`).

Renders without importing TensorFlow: the registry and the navigation import no task module.
The first run of the process starts the warm start: a background thread that loads every task's
models in navigation order (`core.warm`; CNNRNN_WARM=0 turns it off).
Presenter mode (`?present=1`) starts the page with the sidebar collapsed (`core.ui.app.run_page`).
"""

from cnnrnn.core.ui import app
from cnnrnn.tasks import page_tasks, warm_tasks

app.run_page(page_tasks(), warm_tasks())
