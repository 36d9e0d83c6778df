"""Audience room: phones send digits and sentences; the speaker's screen compares the architectures live."""

import streamlit as st

from cnnrnn.core.images import MAX_UPLOAD_BYTES, UPLOAD_TYPES
from cnnrnn.core.ui.page import page_header, show_error
from cnnrnn.core.ui.share import explain, page_url, qr_png
from cnnrnn.tasks.room import charts, ui, verdicts
from cnnrnn.tasks.room.limits import MAX_SENTENCE, PER_MINUTE, PER_ROOM, ROOM_HOURS, clean_code

presenting = page_header(
    "Audience room",
    "Phones send digits and sentences; this screen compares the architectures",
    "Open a room and show its QR code. Each phone draws or photographs a digit, or types a sentence, says "
    "what it is and sends it: the sender sees the models' verdicts at once, and this screen gathers the "
    "room's submissions, the accuracy of each architecture so far and its confusion matrix.",
    guide="press **Open a room**, put the QR code on the projector and let the room draw. Then click a cell "
    "of the confusion matrix: those are the drawings the model read as that digit. Say: the same "
    "handwriting, three architectures.",
)
code, key = ui.link_code(), ui.link_key()
room = ui.room(code)

# --- No room yet: open one, or join one by its code ----------------------------------------------------
if room is None:
    if code or st.query_params.get("room"):
        st.warning(f"There is no open room with this code: it may be mistyped, or older than {ROOM_HOURS} hours.")
    if st.button("Open a room", key="room_open", type="primary", icon=":material/groups:"):
        new_code, new_key = ui.open_room()
        st.query_params.update({"room": new_code, "key": new_key})
        st.rerun()
    st.caption(
        f"A room lasts {ROOM_HOURS} hours. Its presenter key stays in your address bar: keep that link "
        "to pause, clear, close or download the room."
    )
    with st.form("room_join", border=False):
        typed = st.text_input(
            "Or join a room with its code", max_chars=16, key="room_join_code", placeholder="e.g. K7QX-M2PA"
        )
        if st.form_submit_button("Join"):
            joined = clean_code(typed)
            if joined:
                st.query_params.clear()
                st.query_params["room"] = joined
                st.rerun()
            st.warning("A room code is 8 letters and digits, as shown under the speaker's QR code.")
    st.stop()

speaker = ui.is_presenter(code, key)
if key and not speaker:
    st.warning("This presenter key does not belong to the room: you see the audience's view only.")

# --- The speaker's controls --------------------------------------------------------------------------
if speaker:
    link = ui.audience_link(page_url(), code)
    qr, about = st.columns([1, 2], vertical_alignment="center")
    qr.image(qr_png(link, scale=8), caption="Scan to join", width=240)
    with about:
        st.subheader(f"Room {code[:4]}-{code[4:]}")
        st.markdown("Audience link:")
        st.code(link, language=None, wrap_lines=True)
        state = "closed" if room.closed else "paused" if room.paused else "open"
        st.caption(
            f"The room is {state}; it expires in {ui.expires_in(room)}. Keep this page's address: "
            "its presenter key is what pauses, clears, closes and downloads the room."
        )
        buttons = st.container(horizontal=True)
        if not room.closed:
            if buttons.button(
                "Resume" if room.paused else "Pause",
                key="room_pause",
                icon=":material/play_arrow:" if room.paused else ":material/pause:",
            ):
                ui.set_paused(code, key, not room.paused)
                st.rerun()
            if buttons.button("Close the room", key="room_close", icon=":material/lock:"):
                ui.close_room(code, key)
                st.rerun()
        if buttons.button("Clear the submissions", key="room_clear", icon=":material/delete:"):
            ui.clear_room(code, key)
            st.rerun()
        buttons.download_button(
            "Download CSV",
            data=lambda: ui.room_csv(code, key),
            file_name=f"room_{code}.csv",
            mime="text/csv",
            key="room_csv",
            icon=":material/download:",
            on_click="ignore",
        )

    @st.fragment(run_every=ui.REFRESH_S)
    def live_view():
        """The room as it is now (redrawn every REFRESH_S seconds): counts, accuracy, matrix, gallery, sentences."""
        rows = ui.submissions(code)
        frame = verdicts.digit_frame(rows)
        drawn = [r for r in rows if r["kind"] == "digit"]
        typed = [r for r in rows if r["kind"] == "sentence"]
        counts = st.columns(2)
        counts[0].metric("Digits", len(drawn))
        counts[1].metric("Sentences", len(typed))
        if drawn:
            table = verdicts.accuracy(frame)
            st.altair_chart(charts.accuracy_chart(table), width="stretch")
            for _, row in table.iterrows():
                st.caption(f"{row['label']}: {row['right']} of {row['n']} right ({row['accuracy']:.0%})")
            model = (
                st.segmented_control(
                    "Confusion matrix of",
                    verdicts.DIGIT_MODELS,
                    default=verdicts.DIGIT_MODELS[0],
                    format_func=verdicts.DIGIT_LABELS.get,
                    key="room_matrix_model",
                )
                or verdicts.DIGIT_MODELS[0]
            )
            event = st.altair_chart(
                charts.confusion_chart(
                    verdicts.confusion(frame, model), f"{verdicts.DIGIT_LABELS[model]}: what they drew and what it read"
                ),
                width="stretch",
                on_select="rerun",
                selection_mode=charts.CELL,
                key="room_matrix",
            )
            picked = (event.selection.get(charts.CELL) or []) if event else []
            if picked:
                true, predicted = int(picked[0]["true"]), int(picked[0]["predicted"])
                ids = set(verdicts.cell_ids(frame, model, true, predicted))
                cell = [r for r in drawn if r["id"] in ids]
                st.markdown(f"**Drew {true}, read as {predicted}**: {len(cell)} drawing{'s' * (len(cell) != 1)}")
                if cell:
                    st.image([ui.zoomed(r["digit"]) for r in cell], width=84)
            else:
                explain("Click a cell to see its drawings (double-click to clear).")
            st.subheader("Newest drawings")
            shown = drawn[: ui.GALLERY]
            st.image(
                [ui.zoomed(r["digit"]) for r in shown], caption=[verdicts.gallery_caption(r) for r in shown], width=112
            )
        if typed:
            st.subheader("Sentences")
            right = verdicts.sentence_accuracy(rows)
            st.caption(
                " · ".join(
                    f"{verdicts.SENTIMENT_LABELS[n]}: {r} of {t} as the sender said" for n, (r, t) in right.items()
                )
            )
            sentences = verdicts.sentence_table(rows)
            st.dataframe(sentences, hide_index=True, width="stretch")  # audience text shown as text only
            split = sentences[~sentences["models agree"]]
            st.markdown(f"**Where the two models disagree**: {len(split)} of {len(sentences)}")
            if len(split):
                st.dataframe(split.drop(columns=["models agree"]), hide_index=True, width="stretch")
        if not rows:
            st.info("No submissions yet: the room's phones send theirs from the link above.")

    live_view()
    st.divider()
    st.subheader("Send one yourself")

# --- The audience's side: draw, photograph or type, say what it is, send --------------------------------
if room.closed:
    st.info("The speaker has closed this room: it takes no more submissions.")
    st.stop()
if room.paused:
    st.info("The speaker has paused this room: wait until it opens again.")
if not speaker:
    st.subheader(f"Room {code[:4]}-{code[4:]}")
n = st.session_state.setdefault("room_sent", 0)  # a fresh canvas and fresh choices after each send
what = st.segmented_control("Send", ["A digit", "A sentence"], default="A digit", key="room_what") or "A digit"
if what == "A digit":
    source = st.segmented_control("From", ["Draw", "Camera", "Upload"], default="Draw", key="room_source") or "Draw"
    raw = None
    if source == "Draw":
        raw = ui.drawing_canvas(key=f"room_canvas_{n}")
    elif source == "Camera":
        shot = st.camera_input("Hold a digit written on paper up to the camera", key=f"room_camera_{n}")
        raw = shot.getvalue() if shot is not None else None
    else:
        upload = st.file_uploader(
            "A picture of one digit",
            key=f"room_upload_{n}",
            type=UPLOAD_TYPES,
            help=f"Up to {MAX_UPLOAD_BYTES // 2**20} MB.",
        )
        raw = upload.getvalue() if upload is not None else None
    label = st.radio("Which digit is it?", list(range(10)), index=None, horizontal=True, key=f"room_label_{n}")
    if st.button("Send the digit", key="room_send_digit", type="primary", icon=":material/send:"):
        st.session_state["room_outcome"] = outcome = ui.send_digit(code, raw, label)
        if outcome.verdicts:
            st.session_state["room_sent"] = n + 1
            st.rerun()
else:
    sentence = st.text_input(
        "Your sentence", max_chars=MAX_SENTENCE, key=f"room_sentence_{n}", placeholder="the acting is wonderful"
    )
    said = st.radio(
        "Is it positive or negative?", ["positive", "negative"], index=None, horizontal=True, key=f"room_said_{n}"
    )
    if st.button("Send the sentence", key="room_send_sentence", type="primary", icon=":material/send:"):
        st.session_state["room_outcome"] = outcome = ui.send_sentence(code, sentence, said)
        if outcome.verdicts:
            st.session_state["room_sent"] = n + 1
            st.rerun()

outcome = st.session_state.get("room_outcome")
if outcome is not None:
    if outcome.error:
        show_error(outcome.error)  # the image page's own message for this picture
    elif outcome.message:
        st.warning(outcome.message)
    elif outcome.kind == "digit":
        st.markdown(f"**Sent: your {outcome.label}.** What each model read:")
        left, right = st.columns([1, 3], vertical_alignment="center")
        left.image(ui.zoomed(outcome.digit), caption="what the models saw", width=84)
        for column, (name, found) in zip(right.columns(len(outcome.verdicts)), outcome.verdicts.items()):
            column.metric(
                verdicts.DIGIT_LABELS[name], found["label"], f"{found['confidence']:.0%} sure", delta_color="off"
            )
    else:
        st.markdown(f"**Sent: a {verdicts.POLARITY[outcome.label]} sentence.** What each model read:")
        for column, (name, found) in zip(st.columns(len(outcome.verdicts)), outcome.verdicts.items()):
            column.metric(
                verdicts.SENTIMENT_LABELS[name],
                verdicts.POLARITY[found["label"]],
                f"{found['positive']:.0%} positive",
                delta_color="off",
            )
st.caption(
    f"Each phone may send {PER_MINUTE} a minute; a room holds {PER_ROOM:,}; a sentence is at most "
    f"{MAX_SENTENCE} characters. Stored: the 28x28 digit the models read (never the photo), the sentence, "
    f"your label, the verdicts; the room is deleted {ROOM_HOURS} hours after it opened."
)
