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
        """Accuracy of predict(X) against the labels y (weighted by sample_weight if given)."""
        pred = self.predict(X)
        y = np.asarray(y)
        if y.shape != pred.shape:
            raise ValueError(f"y has shape {y.shape}; expected ({len(pred)},), one label per example of X.")
        hits = pred == y
        if sample_weight is None:
            return float(np.mean(hits))
        w = np.asarray(sample_weight, dtype=float)
        if w.shape != hits.shape:
            raise ValueError(f"sample_weight has shape {w.shape}; expected ({len(hits)},).")
        return float(np.average(hits, weights=w))

    def _labels_are_01(self):
        return self.classes_.dtype.kind in "biu" and self.classes_.tolist() == [0, 1]

    def _decode(self, codes):
        """0/1 codes -> labels: the codes themselves (uint8) for labels 0/1, else classes_[codes]."""
        return codes if self._labels_are_01() else self.classes_[codes]

    def _encode(self, y, n_examples):
        """Labels -> 0/1 codes with the fitted classes_."""
        from ._validation import check_labels
        if self._labels_are_01():
            return check_labels(y, n_examples)
        y = np.asarray(y)
        if y.shape != (n_examples,):
            raise ValueError(f"y has shape {y.shape}; expected ({n_examples},).")
        codes = (y == self.classes_[1]).astype(np.uint8)
        unknown = (y != self.classes_[0]) & (codes == 0)
        if unknown.any():
            raise ValueError(f"y holds {y[unknown][0]!r}, which is not one of the fitted classes "
                             f"{self.classes_.tolist()}.")
        return codes

    # ---- scikit-learn's protocol -------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_features_in_")

    def __sklearn_tags__(self):
        """A binary classifier (labels 0/1) on 2-D 0/1 inputs; deterministic for an int seed."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags
        return Tags(estimator_type="classifier",
                    target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(multi_class=False),
                    input_tags=InputTags(two_d_array=True),
                    non_deterministic=getattr(self, "seed", 0) is None)

    def _check_fitted(self):
        if not hasattr(self, "n_features_in_"):
            raise _not_fitted_error(f"This {type(self).__name__} is not fitted yet; call fit(X, y) first.")
