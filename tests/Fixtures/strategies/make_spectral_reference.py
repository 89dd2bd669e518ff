#!/usr/bin/python3
"""Reference for Cam's strategy clustering (SpRAy), from scikit-learn's spectral pipeline on the same inputs.

A constructed class with two planted strategies, each map with uniform noise and scaled to sum 1: 8x8 maps of an
object blob in the centre (50 maps), and maps of a top-left mark next to the object blob (30 maps). The two groups are
joined by a few neighbour edges (one connected graph), so that the eigengap has to find them.
scikit-learn builds the symmetric kNN graph (kneighbors_graph, k = 10, connectivity, without self; A = (C + C^T) / 2),
the normalised Laplacian (scipy.sparse.csgraph.laplacian, normed) gives the eigenvalues of D^-1/2 A D^-1/2 as
1 - its own, spectral_embedding + KMeans (fixed seeds) give the partition.

Run: /usr/bin/python3 tests/Fixtures/strategies/make_spectral_reference.py  (writes spectral_reference.json here)
"""
import json
import os

import numpy as np
import scipy.sparse.csgraph
import sklearn
from sklearn.cluster import KMeans
from sklearn.manifold import spectral_embedding
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import kneighbors_graph

SIZE, K, OBJECT_MAPS, MARKED_MAPS = 8, 10, 50, 30


def blob(cy, cx, sigma):
    y, x = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    return np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * sigma ** 2))


def main():
    rng = np.random.default_rng(27)
    maps, planted = [], []
    for i in range(OBJECT_MAPS + MARKED_MAPS):
        m = blob(4.0, 4.0, 1.2)
        if i >= OBJECT_MAPS:
            m = 2.5 * m + blob(1.0, 1.0, 0.8)
        m = m + rng.uniform(0, 0.3, size=m.shape)
        maps.append((m / m.sum()).ravel())
        planted.append(int(i >= OBJECT_MAPS))
    # Written with 6 decimals; computed on those decimals as float32 (what the C# test parses them to).
    decimals = np.round(np.array(maps), 6)
    x = decimals.astype(np.float32).astype(np.float64)

    connectivity = kneighbors_graph(x, n_neighbors=K, mode="connectivity", include_self=False)
    affinity = 0.5 * (connectivity + connectivity.T)
    laplacian = scipy.sparse.csgraph.laplacian(affinity.toarray(), normed=True)
    assert scipy.sparse.csgraph.connected_components(affinity)[0] == 1, "the graph should be connected"
    eigenvalues = np.sort(1.0 - np.linalg.eigvalsh(laplacian))[::-1][:11]
    gaps = eigenvalues[:-1] - eigenvalues[1:]
    k = int(np.argmax(gaps[:10]) + 1)
    embedding = spectral_embedding(affinity, n_components=k, norm_laplacian=True, drop_first=False, random_state=0)
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(embedding)
    print(f"sklearn {sklearn.__version__}: k = {k}, eigenvalues {np.round(eigenvalues, 4).tolist()}, "
          f"ARI against the planted strategies {adjusted_rand_score(planted, labels):.3f}")

    out = {
        "generator": "tests/Fixtures/strategies/make_spectral_reference.py",
        "sklearn": sklearn.__version__,
        "neighbours": K,
        "height": SIZE,
        "width": SIZE,
        "maps": [[float(v) for v in row] for row in decimals],
        "planted": planted,
        "eigenvalues": [float(v) for v in eigenvalues],
        "clusters": k,
        "labels": [int(v) for v in labels],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spectral_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
