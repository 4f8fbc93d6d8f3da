"""A small scikit-learn-compatible base: get_params/set_params, score, tags, a fitted check.

lutlib needs only numpy, so it does not import scikit-learn; it speaks scikit-learn's protocol
instead (``__sklearn_tags__``, ``__sklearn_is_fitted__``, ``classes_``), importing scikit-learn
only when scikit-learn itself asks.

>>> from lutlib import Lut
>>> Lut(seed=0).fit([[0, 1], [1, 1]], [0, 1]).classes_.tolist()
[0, 1]
"""
import inspect
import sys

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when predict or an attribute is used before fit.

    A ValueError and an AttributeError, as scikit-learn's; when scikit-learn is imported, the
    error raised is also an instance of ``sklearn.exceptions.NotFittedError``.
    """


_SKLEARN_NOT_FITTED = []


def _not_fitted_error(message):
    """A NotFittedError that is also scikit-learn's when scikit-learn is loaded (no import here)."""
    sk = sys.modules.get("sklearn.exceptions")
    if sk is None:
        return NotFittedError(message)
    if not _SKLEARN_NOT_FITTED:
        _SKLEARN_NOT_FITTED.append(type("NotFittedError", (NotFittedError, sk.NotFittedError),
                                        {"__module__": __name__}))
    return _SKLEARN_NOT_FITTED[0](message)


class Estimator:
    """get_params/set_params read the constructor's signature, as in scikit-learn."""

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p for p in sig.parameters if p != "self")

    def get_params(self, deep=True):
        """Constructor parameters as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor parameters; returns self. Refit to apply them."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; valid: {valid}.")
            setattr(self, name, value)
        return self

    def __repr__(self):
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in names)
        return f"{type(self).__name__}({args})"

    def score(self, X, y, sample_weight=None):
        """Accuracy of predict(X) against 0/1 labels y (weighted by sample_weight if given)."""
        from ._validation import check_labels
        pred = self.predict(X)
        hits = pred == check_labels(y, len(pred))
        if sample_weight is None:
            return float(np.mean(hits))
        w = np.asarray(sample_weight, dtype=float)
        if w.shape != hits.shape:
            raise ValueError(f"sample_weight has shape {w.shape}; expected ({len(hits)},).")
        return float(np.average(hits, weights=w))

    # ---- scikit-learn's protocol -------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_features_in_")

    def __sklearn_tags__(self):
        """A binary classifier (labels 0/1) on 2-D 0/1 inputs; deterministic for an int seed."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags
        return Tags(estimator_type="classifier",
                    target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(multi_class=False),
                    input_tags=InputTags(two_d_array=True, positive_only=True),
                    non_deterministic=getattr(self, "seed", 0) is None)

    def _check_fitted(self):
        if not hasattr(self, "n_features_in_"):
            raise _not_fitted_error(f"This {type(self).__name__} is not fitted yet; call fit(X, y) first.")
