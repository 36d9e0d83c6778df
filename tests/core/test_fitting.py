"""core.fitting.HeldOutLoss: the held-out checks both character loops share."""

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
