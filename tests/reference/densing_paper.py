"""Published numbers densing compares itself with, with their citations.

Xiao, C., Cai, J., Zhao, W., Zeng, G., Lin, B., Zhou, J., Han, X., Liu, Z., Sun, M.
"Densing Law of LLMs". arXiv:2412.04315 (v2, 2024); Nature Machine Intelligence (2025).

* Fig. 1 / Sec. 3 (arXiv v2): ln(rho_max) = A t + B over 29 open base models released
  2023-02 .. 2024-10, A ~= 0.0073 per day, R^2 = 0.912: density doubles every ~3.3 months.
* Journal version (51 models): doubling every ~3.5 months, R^2 = 0.934.
* MMLU density before / after ChatGPT's release (2022-11-30): slope 0.0048 -> 0.0073 per day.
* Pruned / distilled models (e.g. Llama-3.1-Minitron-4B, Gemma-2-2B) are not denser than
  their originals.

The paper published no per-model numbers and no fitted constants, so only these headline
figures can be compared.
"""

DOUBLING_MONTHS_ARXIV = 3.3
SLOPE_PER_DAY_ARXIV = 0.0073
#: what the stated slope implies: ln 2 / 0.0073 = 94.95 days = 3.12 months of 30.44 days.
#: The paper states 3.3 months beside A = 0.0073 (arXiv:2412.04315 v2, Fig. 1); the two
#: figures disagree (issue 12 item 5), so densing compares with each separately.
DOUBLING_MONTHS_FROM_SLOPE_ARXIV = 3.12
R2_ARXIV = 0.912
DOUBLING_MONTHS_JOURNAL = 3.5
R2_JOURNAL = 0.934
SLOPE_BEFORE_CHATGPT = 0.0048
SLOPE_AFTER_CHATGPT = 0.0073
CHATGPT_DATE = "2022-11-30"
PAPER_WINDOW = ("2023-02-24", "2024-10-01")
