"""core.fitting: the held-out checks both character loops share, and a run's checkpoint."""

import numpy as np

from cnnrnn.core.fitting import HeldOutLoss


class _Model:
    """Weights only: what KeepBest reads and restores."""

    def __init__(self):
        self.w = np.zeros(1)

    def get_weights(self):
        return [self.w.copy()]

    def set_weights(self, weights):
        self.w = weights[0].copy()


def test_checks_record_the_losses_keep_the_best_and_the_last_weights_are_judged_at_the_end():
    model, history, seen = _Model(), {"val_steps": [], "val_loss": []}, []
    losses = iter([3.0, 1.0, 2.0, 0.5])
    heldout = HeldOutLoss(model, lambda: next(losses), history, on_check=seen.append)
    for step, w in ((10, 1.0), (20, 2.0), (30, 3.0)):
        model.w[:] = w
        heldout.check(step)
    model.w[:] = 4.0
    heldout.finish(35)  # stopped between two checks: the last weights are judged, and they are the best
    assert history == {"val_steps": [10, 20, 30, 35], "val_loss": [3.0, 1.0, 2.0, 0.5]} and seen == [3.0, 1.0, 2.0, 0.5]
    assert heldout.best.at == 35 and model.w[0] == 4.0


def test_the_best_weights_are_put_back_and_nothing_is_recorded_without_a_score():
    model, history = _Model(), {"val_steps": [], "val_loss": []}
    losses = iter([1.0, 2.0])
    heldout = HeldOutLoss(model, lambda: next(losses), history)
    model.w[:] = 1.0
    heldout.check(10)
    model.w[:] = 2.0
    heldout.finish(20)
    assert history["val_steps"] == [10, 20] and heldout.best.at == 10 and model.w[0] == 1.0
    empty = HeldOutLoss(model, lambda: None, {"val_steps": [], "val_loss": []})
    assert empty.check(5) is None and empty.history == {"val_steps": [], "val_loss": []} and not empty.best.found
    empty.finish(0)


def test_a_checkpoint_gives_back_the_weights_the_optimizer_state_and_the_progress(tmp_path):
    import keras

    from cnnrnn.core.fitting import Checkpoint

    def model():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        m.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
        return m

    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    trained = model()
    trained.train_on_batch(x, y)
    saved = Checkpoint(tmp_path)
    assert saved.state() is None
    saved.save(trained, {"done": 1, "history": [{"step": 1}]})
    assert saved.state()["done"] == 1 and saved.state()["history"] == [{"step": 1}]
    resumed = model()
    saved.restore(resumed)
    assert int(resumed.optimizer.iterations.numpy()) == 1
    for a, b in zip(resumed.get_weights(), trained.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    trained.train_on_batch(x, y)  # the same next step from the same state
    resumed.train_on_batch(x, y)
    for a, b in zip(resumed.get_weights(), trained.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    saved.clear()
    assert saved.state() is None and not any(tmp_path.iterdir())
