#!/usr/bin/python3
"""Reference fixtures for the Go SARIMA package, produced once with Debian's python3-statsmodels.

Run from this directory with /usr/bin/python3 (apt-get install python3-statsmodels). The Go tests read
the JSON files only; Python is not needed to run them.

Each fixture holds the series, the statsmodels SARIMAX results with its defaults (enforce_stationarity,
enforce_invertibility, approximate diffuse initialisation of the differencing states, no trend), and
log-likelihoods at fixed parameter vectors, which check the Kalman filter independently of the optimiser.
`reference` is the better optimum of statsmodels' default fit (L-BFGS, maxiter 50) and a tighter fit
of the same likelihood; `default_fit` records the default fit as statsmodels' users get it.
"""
import json
import sys
import time
import warnings

import numpy as np
import statsmodels
import statsmodels.api as sm
from scipy.stats import norm

warnings.simplefilter("ignore")

AIRLINE = [
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,
    115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
    145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,
    171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,
    196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201,
    204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,
    242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278,
    284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306,
    315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336,
    340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,
    360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,
    417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
]
assert len(AIRLINE) == 144 and sum(AIRLINE) == 40363


def split(model, params):
    """statsmodels' parameter vector as the Go package's named groups."""
    names = model.param_names
    out = {"ar": [], "ma": [], "seasonal_ar": [], "seasonal_ma": [], "sigma2": None}
    for name, v in zip(names, params):
        v = float(v)
        if name.startswith("ar.S."):
            out["seasonal_ar"].append(v)
        elif name.startswith("ma.S."):
            out["seasonal_ma"].append(v)
        elif name.startswith("ar."):
            out["ar"].append(v)
        elif name.startswith("ma."):
            out["ma"].append(v)
        elif name == "sigma2":
            out["sigma2"] = v
        else:
            raise ValueError(name)
    return out


def result(model, res, horizon, alpha):
    fc = res.get_forecast(horizon).summary_frame(alpha=alpha)
    return {
        "params": split(model, res.params),
        "loglike": float(res.llf),
        "aic": float(res.aic),
        "nobs": int(res.nobs),
        "converged": bool(res.mle_retvals.get("converged", False)),
        "forecast": [
            {"step": i + 1, "mean": float(m), "lower": float(lo), "upper": float(up)}
            for i, (m, lo, up) in enumerate(zip(fc["mean"], fc["mean_ci_lower"], fc["mean_ci_upper"]))
        ],
    }


def fixture(name, description, y, order, seasonal, horizon, alpha, checks):
    y = np.asarray(y, dtype=float)
    model = sm.tsa.SARIMAX(y, order=order, seasonal_order=seasonal)
    start = time.perf_counter()
    default = model.fit(disp=False)
    default_seconds = time.perf_counter() - start
    tight = model.fit(start_params=default.params, disp=False, maxiter=1000, pgtol=1e-10, factr=10)
    ref = tight if tight.llf > default.llf else default
    out = {
        "name": name,
        "description": description,
        "order": list(order),
        "seasonal_order": list(seasonal),
        "horizon": horizon,
        "alpha": alpha,
        "y": [None if np.isnan(v) else float(v) for v in y],
        "statsmodels_version": statsmodels.__version__,
        "start_params": split(model, model.start_params),
        "default_fit": result(model, default, horizon, alpha),
        "default_fit_seconds": default_seconds,
        "reference": result(model, ref, horizon, alpha),
        "loglike_checks": [],
    }
    for params in checks:
        vec = np.asarray(params, dtype=float)
        out["loglike_checks"].append({"params": split(model, vec), "loglike": float(model.loglike(vec))})
    print(name, "default llf %.4f tight llf %.4f (%.2fs)" % (default.llf, tight.llf, default_seconds), file=sys.stderr)
    with open(name + ".json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def simulate(order, seasonal, params, n, seed, burn=500):
    model = sm.tsa.SARIMAX(np.zeros(n + burn), order=order, seasonal_order=seasonal)
    rng = np.random.default_rng(seed)
    sim = model.simulate(params, n + burn, measurement_shocks=np.zeros(n + burn),
                         state_shocks=rng.standard_normal(n + burn) * np.sqrt(params[-1]),
                         initial_state=np.zeros(model.k_states))
    return np.asarray(sim)[burn:]


# 1. Box-Jenkins airline model on the log of the airline passengers (1949-1960).
fixture("airline", "Box-Jenkins airline model (0,1,1)(0,1,1,12) on log monthly airline passengers 1949-1960",
        np.log(AIRLINE), (0, 1, 1), (0, 1, 1, 12), 24, 0.05,
        [[-0.4, -0.6, 0.0014], [0.2, -0.2, 0.003]])

# 2. The original DTBase configuration on three weeks of hourly data: (4,1,2)(1,1,0,24), 48 steps, 68 %.
hourly_params = [0.45, -0.2, 0.15, 0.05, 0.3, -0.25, -0.45, 0.25]
y = 18 + simulate((4, 1, 2), (1, 1, 0, 24), hourly_params, 504, seed=20240326) * 1.0
fixture("hourly", "simulated hourly series (3 weeks) from the original's (4,1,2)(1,1,0,24)",
        y, (4, 1, 2), (1, 1, 0, 24), 48, 0.32,
        [hourly_params, [0.3, 0.1, -0.1, 0.0, 0.1, 0.1, -0.3, 0.3]])

# 3. Nile river flow (Durbin and Koopman), ARIMA(1,1,1).
nile = sm.datasets.nile.load_pandas().data["volume"].to_numpy(dtype=float)
fixture("nile", "annual Nile river flow at Aswan 1871-1970, ARIMA(1,1,1)",
        nile, (1, 1, 1), (0, 0, 0, 0), 10, 0.05,
        [[0.2, -0.8, 20000.0], [-0.3, 0.1, 30000.0]])

# 4. A stationary ARMA(2,1) with seasonal AR(1) at period 7 and missing values (the Kalman filter skips them).
arma_params = [0.6, -0.3, 0.4, 0.5, 2.0]
y = simulate((2, 0, 1), (1, 0, 0, 7), arma_params, 300, seed=7)
rng = np.random.default_rng(11)
y[rng.choice(np.arange(10, 290), size=20, replace=False)] = np.nan
fixture("arma_missing", "simulated ARMA(2,1)x(1,0,0,7) with 20 missing values",
        y, (2, 0, 1), (1, 0, 0, 7), 14, 0.1,
        [arma_params, [0.1, 0.1, -0.2, 0.1, 1.0]])
