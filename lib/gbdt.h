/* gbdt: histogram gradient-boosted decision trees */
#ifndef BP_GBDT_H
#define BP_GBDT_H
#endif
