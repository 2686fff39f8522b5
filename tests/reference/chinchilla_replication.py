"""Published estimates of the Chinchilla loss law, refitted by an independent group.

Besiroglu, T., Erdil, E., Barnett, M., You, J. "Chinchilla Scaling: A replication attempt".
arXiv:2404.10102 (2024), Table 1: L = E + A/N^alpha + B/D^beta fitted to 240 (N, D, L) points
read off Hoffmann et al.'s Figure 4 (5 outliers removed), by minimising the Huber loss
(delta = 1e-3) of log-space residuals with L-BFGS-B from a grid of starts -- the objective
densing uses. Estimates with standard errors from 4,000 bootstraps:
"""

E, E_SE = 1.8172, 0.03
A, A_SE = 482.01, 124.58
B, B_SE = 2085.43, 1293.23
ALPHA, ALPHA_SE = 0.3478, 0.02
BETA, BETA_SE = 0.3658, 0.02
N_OUTLIERS = 5
