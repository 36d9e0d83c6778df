"""What the suite checks of the Tang poems (plain data: no Streamlit, no TensorFlow); its page is the
generation page, whose checks crawl the poems' view. See cnnrnn/core/task.py for each name's meaning.
"""

OFFLINE_CACHES = ("temperature_samples",)
BENCH_SMALL = {"repeats": 1}
