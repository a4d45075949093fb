/* mlp: histogram gradient-boosted decision trees */
#ifndef BP_MLP_H
#define BP_MLP_H
#endif
