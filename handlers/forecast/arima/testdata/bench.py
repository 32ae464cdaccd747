#!/usr/bin/python3
"""Times statsmodels' SARIMAX on the Go benchmark's task (BenchmarkFitOriginalConfig): the original
DTBase configuration (4,1,2)(1,1,0,24) fitted with fit(disp=False) on three weeks of hourly data
(hourly.json), then a 48-step forecast with a 68 % interval. Prints the best of five runs."""
import json
import time
import warnings

import numpy as np
import statsmodels.api as sm

warnings.simplefilter("ignore")
y = np.array(json.load(open("hourly.json"))["y"], dtype=float)
times = []
for _ in range(5):
    start = time.perf_counter()
    res = sm.tsa.SARIMAX(y, order=(4, 1, 2), seasonal_order=(1, 1, 0, 24)).fit(disp=False)
    res.get_forecast(48).summary_frame(alpha=0.32)
    times.append(time.perf_counter() - start)
print("statsmodels %s: best %.3f s, median %.3f s over 5 runs" % (sm.__version__ if hasattr(sm, "__version__") else "", min(times), sorted(times)[2]))
