# %% [markdown]
# # Reproducing the densing law with densing
#
# Runs as a script (`python examples/reproduce_densing_law.py [out.png]`) and reads as a
# notebook, cell by cell. Everything uses the data bundled with densing: no download.

# %%
import sys
import warnings

import matplotlib

matplotlib.use("Agg")  # headless; remove in a notebook
import matplotlib.pyplot as plt  # noqa: E402

import densing  # noqa: E402
from densing.plotting import plot_density_trend, plot_effective_vs_actual  # noqa: E402

print("densing", densing.__version__, "data", densing.data_version())

# %% [markdown]
# ## 1. The reference frame
# The default frame is fitted on the OLMo ladder (190M-3B, 0.5-10x Chinchilla tokens); the
# OLMo-2 7B and 13B runs are held out. Step 1: loss law on final checkpoints; step 2: sigmoid
# from loss to accuracy on every checkpoint.

# %%
frame = densing.load_frame("olmo-ladder")
frame.print_summary()

# %% [markdown]
# ## 2. Densities of the bundled open base models
# Open LLM Leaderboard v1 HellaSwag (10-shot) and ARC-Challenge (25-shot) scores are mapped
# explicitly onto the frame's 5-shot cloze protocol; their mean is inverted through the
# frame's `average_llv1` benchmark.

# %%
scores = densing.load_scores("llv1:")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", densing.DensingWarning)
    table = densing.compute_density(scores, frame=frame, protocol_map=densing.LLV1_PROTOCOL_MAP)
per_model = densing.model_densities(table, "average_llv1")
print(per_model.sort_values("density", ascending=False).head(10).to_string(index=False))

# %% [markdown]
# ## 3. The densing law: frontier fit, doubling time, and the paper's claims

# %%
rep = densing.reproduce(n_bootstrap=1000, random_state=0)
print(rep.comparison().drop(columns=["source"]).to_string(index=False))
rep.trend.print_summary()
# the headline benchmark on the held-out OLMo-2 7B/13B (used neither to fit nor to choose
# the frame's settings): its score error, against the 3-point bar
hold = rep.diagnostics["holdout"]
errors = ", ".join(f"{run} {100 * e:.1f}" for run, e in hold["abs_error"].items())
print(f"held-out check of {hold['benchmark']}: score error {errors} points; "
      f"{'meets' if hold['meets_bar'] else 'misses'} the {100 * hold['bar']:g}-point bar")

# %% [markdown]
# ## 4. Figures
# Both panels show the same models: those the trend used (dated, with an uncensored
# density, released in the paper's window). `rep.densities` holds every scored model.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.4), layout="constrained")
plot_density_trend(rep.trend, ax=ax1)
used = table[table["model"].isin(rep.trend.data_["model"])]  # with N_hat intervals
bench = rep.settings["benchmark"]
plot_effective_vs_actual(used, ax=ax2, benchmark=bench, param_count=rep.settings["param_count"],
                         frame_range=frame.fits_[bench].size_range)
start, end = rep.settings["window"]
fig.suptitle(
    f"The {rep.trend.n_models_} open base models released {start} .. {end} with a density "
    f"on {rep.settings['benchmark']} (both panels); "
    f"{len(rep.densities) - rep.trend.n_models_} other scored models are outside the window, "
    "undated or censored",
    fontsize=10,
)
out = sys.argv[1] if len(sys.argv) > 1 else "densing_law.png"
fig.savefig(out, dpi=120)
print("wrote", out)
