"""A tiny scikit-learn-style base: get_params/set_params from __init__, score, a fitted check."""
import inspect

import numpy as np


class NotFittedError(RuntimeError):
    """Raised when predict or an attribute is used before fit."""


class Estimator:
    """get_params/set_params read the constructor's signature, as in scikit-learn."""

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

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
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def score(self, X, y):
        """Accuracy of predict(X) against 0/1 labels y."""
        from ._validation import check_labels
        pred = self.predict(X)
        return float(np.mean(pred == check_labels(y, len(pred))))

    def _check_fitted(self):
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit(X, y) first.")
