"""What the suite checks on the audience room's page (plain data: no Streamlit, no TensorFlow).

See cnnrnn/core/task.py for each name's meaning.
"""

OFFLINE_VIEWS = [[]]  # "Open a room", then the speaker's buttons and the audience's Send
OFFLINE_CLICKS = {"room_open", "room_pause", "room_clear", "room_close", "room_send_digit"}
OFFLINE_LAST = ("room_close",)  # closes the room the other buttons act on
KEY_RESULT = {"role": "button", "name": "Open a room"}
BENCH_SMALL = {"submissions": 8, "repeats": 1}
