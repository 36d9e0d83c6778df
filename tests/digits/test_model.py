"""Model builders, predictors and tiny training runs (tiny presets: seconds)."""

import json

import keras
import numpy as np
import pytest

from cnnrnn.core.weights import WEIGHTS_DIR, read_manifest
from cnnrnn.tasks.digits.config import (
    DIGITS_PAIRS,
    MNIST,
    MNIST_TINY,
    MODEL_NAMES,
    REFERENCE_NAMES,
    SHIPPED_NAMES,
    receptive_field,
)
from cnnrnn.tasks.digits.model import (
    ROW_LSTM,
    ImagePredictor,
    build_model,
    conv_feature_maps,
    fixed_size_error,
    model_view,
    rnn_hidden_states,
)
from cnnrnn.tasks.digits.predict import load_image_models
from cnnrnn.tasks.digits.train import train_mnist


def test_fixed_cnn_matches_keras_io_trunk_and_is_tied_to_28():
    model = build_model("cnn_fixed", MNIST)
    assert model.input_shape == (None, 28, 28, 1)
    conv_params = sum(layer.count_params() for layer in model.layers if "conv" in layer.name)
    assert conv_params == 320 + 18496  # keras-io's two conv layers, unchanged
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("name,shape", [("cnn_gap", (None, None, None, 1)), ("rnn_rows", (None, None, 28, 1))])
def test_size_free_models_declare_free_dimensions(name, shape):
    assert build_model(name, MNIST_TINY).input_shape == shape


@pytest.mark.parametrize("side", [4, 9, 28, 61])
def test_gap_cnn_runs_on_any_side(side):
    predictor = ImagePredictor(build_model("cnn_gap", MNIST_TINY))
    probs = predictor(np.random.default_rng(side).random((2, side, side), dtype=np.float32))
    assert probs.shape == (2, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_predictors_equal_model_outputs_and_trace_once():
    rng = np.random.default_rng(0)
    for name in ("cnn_gap", "rnn_rows"):
        model = build_model(name, MNIST_TINY)
        predictor = ImagePredictor(model)
        for rows in (5, 17, 28, 40, 90):
            cols = 28 if name == "rnn_rows" else rows + 3
            x = rng.random((3, rows, cols, 1), dtype=np.float32)
            np.testing.assert_allclose(predictor(x), np.asarray(model(x, training=False)), rtol=1e-5, atol=1e-6)
        assert predictor.traces == 1, f"{name} retraced for new sizes"


def test_fixed_cnn_refuses_other_sizes_with_keras_error():
    model = build_model("cnn_fixed", MNIST_TINY)
    assert fixed_size_error(model, np.zeros((28, 28), np.float32)) is None
    message = fixed_size_error(model, np.zeros((40, 40), np.float32))
    assert message and ("shape" in message.lower() or "incompatible" in message.lower())
    # Keras's own words: the shape the model was built for and the one it was handed.
    assert "expected shape=(None, 28, 28, 1)" in message and "found shape=(1, 40, 40" in message, message


def test_model_view_gives_each_model_what_it_can_take():
    images = np.random.default_rng(1).random((2, 40, 40), dtype=np.float32)
    assert model_view("cnn_fixed", images).shape == (2, 28, 28)
    assert model_view("cnn_gap", images) is images
    assert model_view("rnn_rows", images).shape == (2, 40, 28)
    native = images[:, :28, :28]
    assert model_view("cnn_fixed", native) is native and model_view("rnn_rows", native) is native


def test_inside_the_models_feature_maps_and_the_row_rnn_state():
    rnn = build_model("rnn_rows", MNIST_TINY)
    assert isinstance(rnn.get_layer(ROW_LSTM), keras.layers.LSTM) and rnn.get_layer(ROW_LSTM).return_sequences
    states = rnn_hidden_states(rnn, np.zeros((13, 28), np.float32))
    assert states.shape == (13, MNIST_TINY.rnn_units)
    maps = conv_feature_maps(build_model("cnn_gap", MNIST_TINY), np.zeros((20, 20), np.float32))
    assert list(maps) == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    # "same" pools: 20 -> 10 -> 5 -> 3 -> 2.
    assert maps["conv1"].shape == (20, 20, 4) and maps["conv5"].shape == (2, 2, 8)
    maps = conv_feature_maps(build_model("cnn_gap_1scale", MNIST_TINY), np.zeros((20, 20), np.float32))
    assert list(maps) == ["conv1", "conv2", "conv4", "conv5", "conv7"]
    assert maps["conv1"].shape == (20, 20, 4) and maps["conv7"].shape == (5, 5, 8)


def test_receptive_fields_cover_a_digit_at_112_px_only_in_the_multiscale_cnn():
    # A digit at 112 px is 80 px tall (MNIST's 20/28 box): cnn_gap sees all of it, cnn_gap_1scale 24 px.
    assert receptive_field(MNIST.gap_stages) == 122
    assert receptive_field(((32, 32), (64, 64), (128,))) == 24
    assert receptive_field(((1,),)) == 3 and receptive_field(((1,), (1,))) == 8


def test_missing_weights_name_the_files_and_the_command(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        load_image_models(tmp_path)
    assert str(error.value) == (
        f"no mnist_cnn_fixed.keras, mnist_cnn_gap.keras, mnist_rnn_rows.keras in {tmp_path}; "
        "run: python -m cnnrnn train mnist"
    )


@pytest.mark.slow  # trains
def test_tiny_training_writes_weights_and_manifest(tmp_path):
    epochs_seen = []
    logged = []
    entry = train_mnist(
        MNIST_TINY,
        tmp_path,
        on_epoch=lambda m, e, logs: epochs_seen.append(m),
        log=logged.append,
        models=list(SHIPPED_NAMES),
    )
    # The compared models train under the protocol (checked every epoch, through `log`); the reference model by
    # its own recipe (Keras epochs).
    assert epochs_seen == list(REFERENCE_NAMES)
    assert any(line.startswith("    cnn_gap lr=") and "validation by side 16:" in line for line in logged), logged
    manifest = read_manifest(tmp_path)
    assert manifest["mnist"]["data"]["sha256"] == entry["data"]["sha256"]
    assert len(manifest["mnist"]["data"]["sha256"]) == 64
    protocol = manifest["mnist"]["protocol"]
    assert protocol["lr_grid"] == list(MNIST_TINY.lr_grid) and protocol["seeds"] == MNIST_TINY.seeds
    for name in SHIPPED_NAMES:
        info = manifest["mnist"]["models"][name]
        assert 0.0 <= info["test_accuracy"] <= 1.0 and info["params"] > 0 and info["train_seconds"] >= 0
        assert (tmp_path / info["file"]).is_file()
    for name in MODEL_NAMES:
        info = manifest["mnist"]["models"][name]
        assert info["steps"] == protocol["steps"] and info["lr"] in MNIST_TINY.lr_grid
        full = [seed for seed in info["seeds"] if seed["steps"] == protocol["steps"]]
        assert info["shipped_seed"] in {seed["seed"] for seed in full}
        assert [point["step"] for point in info["history"]][-1] == protocol["steps"]
    rnn = manifest["mnist"]["models"]["rnn_rows"]  # reduced in the tiny preset: one seed at full steps, two at half
    assert sorted((seed["seed"], seed["steps"]) for seed in rnn["seeds"]) == [
        (1, protocol["steps"] // 2),
        (1, protocol["steps"]),
        (2, protocol["steps"] // 2),
    ]
    assert {(c["a"], c["b"]) for c in manifest["mnist"]["comparisons"]} == set(DIGITS_PAIRS)
    sweep = manifest["mnist"]["resolution_sweep"]
    assert {row["size"] for row in sweep} == set(MNIST_TINY.sweep_sizes)
    assert {row["model"] for row in sweep} == set(SHIPPED_NAMES)
    json.dumps(manifest)  # plain JSON all the way down
    loaded = load_image_models(tmp_path)
    assert set(loaded) == set(MODEL_NAMES)


def test_shipped_weights_fit_the_budget_and_match_the_manifest():
    """Every shipped model file (.keras, or the translators' int8 .npz) is recorded in the manifest with its
    size; all weights stay under 32 MB (the project's budget since the translation and Tang poem tasks)."""
    recorded = {
        info["file"]: info["bytes"] for entry in read_manifest().values() for info in entry.get("models", {}).values()
    }
    files = {path.name: path.stat().st_size for path in WEIGHTS_DIR.iterdir() if path.suffix in (".keras", ".npz")}
    assert set(files) == set(recorded), "a weights file without a manifest entry, or the reverse"
    assert files == recorded
    total = sum(path.stat().st_size for path in WEIGHTS_DIR.iterdir() if path.is_file())
    assert total < 32e6, f"shipped weights are {total / 1e6:.2f} MB"
