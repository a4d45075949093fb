#!/usr/bin/env python3
"""talib_ref.py: an independent reference for bp-features' indicators.

TA-Lib cannot be installed here, so this file transcribes TA-Lib's C
functions (ta_func/ta_*.c of the 0.4.0 .. 0.6.4 releases, default
compatibility, unstable period 0) line by line into plain Python.  Python
floats are IEEE doubles and every operation below is done in TA-Lib's order,
so the numbers are TA-Lib's.  The code is written the way TA-Lib is written
(whole arrays, startIdx/endIdx, lookback, outBegIdx), not as a stream, and
shares nothing with lib/ta.c.  The indicators TA-Lib lacks (VWAP, Donchian,
Keltner, Bollinger %B and bandwidth) follow their textbook definitions.

Usage: talib_ref.py           (re)writes ta-btc.csv and ta-spy.csv here
Inputs: ../../../../shared/data (or $BP_SHARED_DATA): BTCUSDT hourly bars
3000..4499 (ascending, repeated timestamps dropped; includes the 2017
outage of zero-volume flat bars) and SPY daily bars 0..999.
Output CSV: ts,open,high,low,close,volume, then one column per indicator
output named like bp-features names it; empty before TA-Lib's first
output.  Numbers are repr() (shortest round-trip).
"""
import csv
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def TA_IS_ZERO(v):
    return (-0.00000001) < v < 0.00000001


def TA_IS_ZERO_OR_NEG(v):
    return v < 0.00000001


def place(n, beg, vals):
    """TA-Lib output (outBegIdx, outNBElement) -> list aligned to input."""
    out = [None] * n
    for k, v in enumerate(vals):
        out[beg + k] = v
    return out


# ---- TA_INT_SMA / TA_SMA -------------------------------------------------
def TA_SMA(startIdx, endIdx, inReal, optInTimePeriod):
    lookbackTotal = optInTimePeriod - 1
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    out = []
    periodTotal = 0.0
    trailingIdx = startIdx - lookbackTotal
    i = trailingIdx
    if optInTimePeriod > 1:
        while i < startIdx:
            periodTotal += inReal[i]
            i += 1
    while True:
        periodTotal += inReal[i]
        i += 1
        tempReal = periodTotal
        periodTotal -= inReal[trailingIdx]
        trailingIdx += 1
        out.append(tempReal / optInTimePeriod)
        if not i <= endIdx:
            break
    return startIdx, out


# ---- TA_INT_EMA ------------------------------------------------------------
def PER_TO_K(per):
    return 2.0 / float(per + 1)


def TA_INT_EMA(startIdx, endIdx, inReal, optInTimePeriod, optInK_1):
    lookbackTotal = optInTimePeriod - 1
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    outBegIdx = startIdx
    today = startIdx - lookbackTotal
    i = optInTimePeriod
    tempReal = 0.0
    while i > 0:
        i -= 1
        tempReal += inReal[today]
        today += 1
    prevMA = tempReal / optInTimePeriod
    while today <= startIdx:
        prevMA = ((inReal[today] - prevMA) * optInK_1) + prevMA
        today += 1
    out = [prevMA]
    while today <= endIdx:
        prevMA = ((inReal[today] - prevMA) * optInK_1) + prevMA
        today += 1
        out.append(prevMA)
    return outBegIdx, out


def TA_EMA(startIdx, endIdx, inReal, p):
    return TA_INT_EMA(startIdx, endIdx, inReal, p, PER_TO_K(p))


# ---- TA_WMA ----------------------------------------------------------------
def TA_WMA(startIdx, endIdx, inReal, optInTimePeriod):
    lookbackTotal = optInTimePeriod - 1
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    divider = (optInTimePeriod * (optInTimePeriod + 1)) >> 1
    out = []
    trailingIdx = startIdx - lookbackTotal
    periodSum = periodSub = 0.0
    inIdx = trailingIdx
    i = 1
    while inIdx < startIdx:
        tempReal = inReal[inIdx]
        inIdx += 1
        periodSub += tempReal
        periodSum += tempReal * i
        i += 1
    trailingValue = 0.0
    while inIdx <= endIdx:
        tempReal = inReal[inIdx]
        inIdx += 1
        periodSub += tempReal
        periodSub -= trailingValue
        periodSum += tempReal * optInTimePeriod
        trailingValue = inReal[trailingIdx]
        trailingIdx += 1
        out.append(periodSum / divider)
        periodSum -= periodSub
    return startIdx, out


# ---- TA_DEMA / TA_TEMA -----------------------------------------------------
def TA_DEMA(startIdx, endIdx, inReal, p):
    lookbackEMA = p - 1
    lookbackTotal = lookbackEMA * 2
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    k = PER_TO_K(p)
    b1, firstEMA = TA_INT_EMA(startIdx - lookbackEMA, endIdx, inReal, p, k)
    b2, secondEMA = TA_INT_EMA(0, len(firstEMA) - 1, firstEMA, p, k)
    firstEMAIdx = b2
    out = []
    outIdx = 0
    while outIdx < len(secondEMA):
        out.append((2.0 * firstEMA[firstEMAIdx]) - secondEMA[outIdx])
        firstEMAIdx += 1
        outIdx += 1
    return b1 + b2, out


def TA_TEMA(startIdx, endIdx, inReal, p):
    lookbackEMA = p - 1
    lookbackTotal = lookbackEMA * 3
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    k = PER_TO_K(p)
    b1, firstEMA = TA_INT_EMA(startIdx - lookbackEMA * 2, endIdx, inReal, p,
                              k)
    b2, secondEMA = TA_INT_EMA(0, len(firstEMA) - 1, firstEMA, p, k)
    b3, out = TA_INT_EMA(0, len(secondEMA) - 1, secondEMA, p, k)
    firstEMAIdx = b3 + b2
    secondEMAIdx = b3
    for outIdx in range(len(out)):
        out[outIdx] += (3.0 * firstEMA[firstEMAIdx]) - \
            (3.0 * secondEMA[secondEMAIdx])
        firstEMAIdx += 1
        secondEMAIdx += 1
    return firstEMAIdx - len(out) + b1, out


# ---- TA_KAMA ---------------------------------------------------------------
def TA_KAMA(startIdx, endIdx, inReal, optInTimePeriod):
    constMax = 2.0 / (30.0 + 1.0)
    constDiff = 2.0 / (2.0 + 1.0) - constMax
    lookbackTotal = optInTimePeriod
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    sumROC1 = 0.0
    today = startIdx - lookbackTotal
    trailingIdx = today
    i = optInTimePeriod
    while i > 0:
        i -= 1
        tempReal = inReal[today]
        today += 1
        tempReal -= inReal[today]
        sumROC1 += abs(tempReal)
    prevKAMA = inReal[today - 1]
    tempReal = inReal[today]
    tempReal2 = inReal[trailingIdx]
    trailingIdx += 1
    periodROC = tempReal - tempReal2
    trailingValue = tempReal2
    if sumROC1 <= periodROC or TA_IS_ZERO(sumROC1):
        tempReal = 1.0
    else:
        tempReal = abs(periodROC / sumROC1)
    tempReal = (tempReal * constDiff) + constMax
    tempReal *= tempReal
    prevKAMA = ((inReal[today] - prevKAMA) * tempReal) + prevKAMA
    today += 1
    while today <= startIdx:
        raise AssertionError("unstable period is 0")
    out = [prevKAMA]
    outBegIdx = today - 1
    while today <= endIdx:
        tempReal = inReal[today]
        tempReal2 = inReal[trailingIdx]
        trailingIdx += 1
        periodROC = tempReal - tempReal2
        sumROC1 -= abs(trailingValue - tempReal2)
        sumROC1 += abs(tempReal - inReal[today - 1])
        trailingValue = tempReal2
        if sumROC1 <= periodROC or TA_IS_ZERO(sumROC1):
            tempReal = 1.0
        else:
            tempReal = abs(periodROC / sumROC1)
        tempReal = (tempReal * constDiff) + constMax
        tempReal *= tempReal
        prevKAMA = ((inReal[today] - prevKAMA) * tempReal) + prevKAMA
        today += 1
        out.append(prevKAMA)
    return outBegIdx, out


# ---- TA_RSI ----------------------------------------------------------------
def TA_RSI(startIdx, endIdx, inReal, optInTimePeriod):
    lookbackTotal = optInTimePeriod
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    out = []
    today = startIdx - lookbackTotal
    prevValue = inReal[today]
    prevGain = 0.0
    prevLoss = 0.0
    today += 1
    for _ in range(optInTimePeriod):
        tempValue1 = inReal[today]
        today += 1
        tempValue2 = tempValue1 - prevValue
        prevValue = tempValue1
        if tempValue2 < 0:
            prevLoss -= tempValue2
        else:
            prevGain += tempValue2
    prevLoss /= optInTimePeriod
    prevGain /= optInTimePeriod
    if today > startIdx:
        tempValue1 = prevGain + prevLoss
        if not TA_IS_ZERO(tempValue1):
            out.append(100.0 * (prevGain / tempValue1))
        else:
            out.append(0.0)
    else:
        while today < startIdx:
            tempValue1 = inReal[today]
            tempValue2 = tempValue1 - prevValue
            prevValue = tempValue1
            prevLoss *= (optInTimePeriod - 1)
            prevGain *= (optInTimePeriod - 1)
            if tempValue2 < 0:
                prevLoss -= tempValue2
            else:
                prevGain += tempValue2
            prevLoss /= optInTimePeriod
            prevGain /= optInTimePeriod
            today += 1
    while today <= endIdx:
        tempValue1 = inReal[today]
        today += 1
        tempValue2 = tempValue1 - prevValue
        prevValue = tempValue1
        prevLoss *= (optInTimePeriod - 1)
        prevGain *= (optInTimePeriod - 1)
        if tempValue2 < 0:
            prevLoss -= tempValue2
        else:
            prevGain += tempValue2
        prevLoss /= optInTimePeriod
        prevGain /= optInTimePeriod
        tempValue1 = prevGain + prevLoss
        if not TA_IS_ZERO(tempValue1):
            out.append(100.0 * (prevGain / tempValue1))
        else:
            out.append(0.0)
    return startIdx, out


# ---- TA_INT_MACD (0.4.0: three TA_INT_EMA calls) ---------------------------
def TA_MACD(startIdx, endIdx, inReal, optInFastPeriod, optInSlowPeriod,
            optInSignalPeriod):
    if optInSlowPeriod < optInFastPeriod:
        optInSlowPeriod, optInFastPeriod = optInFastPeriod, optInSlowPeriod
    k1 = PER_TO_K(optInSlowPeriod)
    k2 = PER_TO_K(optInFastPeriod)
    lookbackSignal = optInSignalPeriod - 1
    lookbackTotal = lookbackSignal + (optInSlowPeriod - 1)
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, [], [], []
    tempInteger = startIdx - lookbackSignal
    b1, slowEMABuffer = TA_INT_EMA(tempInteger, endIdx, inReal,
                                   optInSlowPeriod, k1)
    b2, fastEMABuffer = TA_INT_EMA(tempInteger, endIdx, inReal,
                                   optInFastPeriod, k2)
    assert b1 == tempInteger and b2 == tempInteger
    assert len(slowEMABuffer) == len(fastEMABuffer)
    for i in range(len(fastEMABuffer)):
        fastEMABuffer[i] = fastEMABuffer[i] - slowEMABuffer[i]
    macd = fastEMABuffer[lookbackSignal:]
    b3, signal = TA_INT_EMA(0, len(fastEMABuffer) - 1, fastEMABuffer,
                            optInSignalPeriod, PER_TO_K(optInSignalPeriod))
    hist = [macd[i] - signal[i] for i in range(len(signal))]
    return startIdx, macd, signal, hist


# ---- TA_VAR / TA_STDDEV / TA_BBANDS ---------------------------------------
def TA_INT_VAR(startIdx, endIdx, inReal, optInTimePeriod):
    nbInitialElementNeeded = optInTimePeriod - 1
    if startIdx < nbInitialElementNeeded:
        startIdx = nbInitialElementNeeded
    if startIdx > endIdx:
        return 0, []
    periodTotal1 = 0.0
    periodTotal2 = 0.0
    trailingIdx = startIdx - nbInitialElementNeeded
    i = trailingIdx
    if optInTimePeriod > 1:
        while i < startIdx:
            tempReal = inReal[i]
            i += 1
            periodTotal1 += tempReal
            tempReal *= tempReal
            periodTotal2 += tempReal
    out = []
    while True:
        tempReal = inReal[i]
        i += 1
        periodTotal1 += tempReal
        tempReal *= tempReal
        periodTotal2 += tempReal
        meanValue1 = periodTotal1 / optInTimePeriod
        meanValue2 = periodTotal2 / optInTimePeriod
        tempReal = inReal[trailingIdx]
        trailingIdx += 1
        periodTotal1 -= tempReal
        tempReal *= tempReal
        periodTotal2 -= tempReal
        out.append(meanValue2 - meanValue1 * meanValue1)
        if not i <= endIdx:
            break
    return startIdx, out


def TA_STDDEV(startIdx, endIdx, inReal, optInTimePeriod, optInNbDev):
    beg, out = TA_INT_VAR(startIdx, endIdx, inReal, optInTimePeriod)
    for i in range(len(out)):
        tempReal = out[i]
        if not TA_IS_ZERO_OR_NEG(tempReal):
            if optInNbDev != 1.0:
                out[i] = math.sqrt(tempReal) * optInNbDev
            else:
                out[i] = math.sqrt(tempReal)
        else:
            out[i] = 0.0
    return beg, out


def TA_INT_stddev_using_precalc_ma(inReal, inMovAvg, inMovAvgBegIdx,
                                   inMovAvgNbElement, timePeriod):
    output = []
    startSum = 1 + inMovAvgBegIdx - timePeriod
    endSum = inMovAvgBegIdx
    periodTotal2 = 0.0
    for outIdx in range(startSum, endSum):
        tempReal = inReal[outIdx]
        tempReal *= tempReal
        periodTotal2 += tempReal
    for outIdx in range(inMovAvgNbElement):
        tempReal = inReal[endSum]
        tempReal *= tempReal
        periodTotal2 += tempReal
        meanValue2 = periodTotal2 / timePeriod
        tempReal = inReal[startSum]
        tempReal *= tempReal
        periodTotal2 -= tempReal
        tempReal = inMovAvg[outIdx]
        tempReal *= tempReal
        meanValue2 -= tempReal
        if not TA_IS_ZERO_OR_NEG(meanValue2):
            output.append(math.sqrt(meanValue2))
        else:
            output.append(0.0)
        startSum += 1
        endSum += 1
    return output


def TA_BBANDS(startIdx, endIdx, inReal, p, optInNbDevUp, optInNbDevDn):
    beg, middle = TA_SMA(startIdx, endIdx, inReal, p)
    sd = TA_INT_stddev_using_precalc_ma(inReal, middle, beg, len(middle), p)
    upper, lower = [], []
    for i in range(len(middle)):
        if optInNbDevUp == optInNbDevDn:
            if optInNbDevUp == 1.0:
                tempReal = sd[i]
            else:
                tempReal = sd[i] * optInNbDevUp
            upper.append(middle[i] + tempReal)
            lower.append(middle[i] - tempReal)
        else:
            raise AssertionError("not used")
    return beg, upper, middle, lower


# ---- TA_TRANGE / TA_ATR / TA_NATR -----------------------------------------
def true_range(inHigh, inLow, inClose, today):
    tempLT = inLow[today]
    tempHT = inHigh[today]
    tempCY = inClose[today - 1]
    greatest = tempHT - tempLT
    val2 = abs(tempCY - tempHT)
    if val2 > greatest:
        greatest = val2
    val3 = abs(tempCY - tempLT)
    if val3 > greatest:
        greatest = val3
    return greatest


def TA_TRANGE(startIdx, endIdx, inHigh, inLow, inClose):
    if startIdx < 1:
        startIdx = 1
    out = []
    today = startIdx
    while today <= endIdx:
        out.append(true_range(inHigh, inLow, inClose, today))
        today += 1
    return startIdx, out


def TA_ATR(startIdx, endIdx, inHigh, inLow, inClose, optInTimePeriod,
           natr=False):
    lookbackTotal = optInTimePeriod
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    # 0.4.0: TRANGE into a buffer, TA_INT_SMA of its first period values
    b, tempBuffer = TA_TRANGE(startIdx - lookbackTotal + 1, endIdx, inHigh,
                              inLow, inClose)
    _, prevATRTemp = TA_SMA(optInTimePeriod - 1, optInTimePeriod - 1,
                            tempBuffer, optInTimePeriod)
    prevATR = prevATRTemp[0]
    today = optInTimePeriod
    out = []

    def emit(v, idx):
        if not natr:
            out.append(v)
            return
        tempValue = inClose[idx]
        out.append((v / tempValue) * 100.0 if not TA_IS_ZERO(tempValue)
                   else 0.0)
    emit(prevATR, startIdx)
    nbATR = (endIdx - startIdx) + 1
    idx = startIdx
    while True:
        nbATR -= 1
        if nbATR == 0:
            break
        prevATR *= optInTimePeriod - 1
        prevATR += tempBuffer[today]
        today += 1
        prevATR /= optInTimePeriod
        idx += 1
        emit(prevATR, idx)
    return startIdx, out


# ---- TA_PLUS_DI / TA_MINUS_DI / TA_ADX ------------------------------------
def TRUE_RANGE(TH, TL, YC):
    OUT = TH - TL
    tempReal2 = abs(TH - YC)
    if tempReal2 > OUT:
        OUT = tempReal2
    tempReal2 = abs(TL - YC)
    if tempReal2 > OUT:
        OUT = tempReal2
    return OUT


def TA_DI(startIdx, endIdx, inHigh, inLow, inClose, p, plus):
    lookbackTotal = p
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    prevDM = 0.0
    prevTR = 0.0
    today = startIdx - lookbackTotal
    prevHigh = inHigh[today]
    prevLow = inLow[today]
    prevClose = inClose[today]

    def cond(diffP, diffM):
        if plus:
            return (diffP > 0) and (diffP > diffM), diffP
        return (diffM > 0) and (diffP < diffM), diffM
    i = p - 1
    while i > 0:
        i -= 1
        today += 1
        tempReal = inHigh[today]
        diffP = tempReal - prevHigh
        prevHigh = tempReal
        tempReal = inLow[today]
        diffM = prevLow - tempReal
        prevLow = tempReal
        c, d = cond(diffP, diffM)
        if c:
            prevDM += d
        prevTR += TRUE_RANGE(prevHigh, prevLow, prevClose)
        prevClose = inClose[today]
    i = 0 + 1
    while i != 0:
        i -= 1
        today += 1
        tempReal = inHigh[today]
        diffP = tempReal - prevHigh
        prevHigh = tempReal
        tempReal = inLow[today]
        diffM = prevLow - tempReal
        prevLow = tempReal
        c, d = cond(diffP, diffM)
        if c:
            prevDM = prevDM - (prevDM / p) + d
        else:
            prevDM = prevDM - (prevDM / p)
        tempReal = TRUE_RANGE(prevHigh, prevLow, prevClose)
        prevTR = prevTR - (prevTR / p) + tempReal
        prevClose = inClose[today]
    out = [100.0 * (prevDM / prevTR) if not TA_IS_ZERO(prevTR) else 0.0]
    while today < endIdx:
        today += 1
        tempReal = inHigh[today]
        diffP = tempReal - prevHigh
        prevHigh = tempReal
        tempReal = inLow[today]
        diffM = prevLow - tempReal
        prevLow = tempReal
        c, d = cond(diffP, diffM)
        if c:
            prevDM = prevDM - (prevDM / p) + d
        else:
            prevDM = prevDM - (prevDM / p)
        tempReal = TRUE_RANGE(prevHigh, prevLow, prevClose)
        prevTR = prevTR - (prevTR / p) + tempReal
        prevClose = inClose[today]
        out.append(100.0 * (prevDM / prevTR) if not TA_IS_ZERO(prevTR)
                   else 0.0)
    return startIdx, out


def TA_ADX(startIdx, endIdx, inHigh, inLow, inClose, p):
    lookbackTotal = (2 * p) - 1
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    prevMinusDM = 0.0
    prevPlusDM = 0.0
    prevTR = 0.0
    today = startIdx - lookbackTotal
    prevHigh = inHigh[today]
    prevLow = inLow[today]
    prevClose = inClose[today]
    i = p - 1
    while i > 0:
        i -= 1
        today += 1
        tempReal = inHigh[today]
        diffP = tempReal - prevHigh
        prevHigh = tempReal
        tempReal = inLow[today]
        diffM = prevLow - tempReal
        prevLow = tempReal
        if (diffM > 0) and (diffP < diffM):
            prevMinusDM += diffM
        elif (diffP > 0) and (diffP > diffM):
            prevPlusDM += diffP
        prevTR += TRUE_RANGE(prevHigh, prevLow, prevClose)
        prevClose = inClose[today]
    sumDX = 0.0

    def step():
        nonlocal today, prevHigh, prevLow, prevClose
        nonlocal prevMinusDM, prevPlusDM, prevTR
        today += 1
        tempReal = inHigh[today]
        diffP = tempReal - prevHigh
        prevHigh = tempReal
        tempReal = inLow[today]
        diffM = prevLow - tempReal
        prevLow = tempReal
        prevMinusDM -= prevMinusDM / p
        prevPlusDM -= prevPlusDM / p
        if (diffM > 0) and (diffP < diffM):
            prevMinusDM += diffM
        elif (diffP > 0) and (diffP > diffM):
            prevPlusDM += diffP
        tempReal = TRUE_RANGE(prevHigh, prevLow, prevClose)
        prevTR = prevTR - (prevTR / p) + tempReal
        prevClose = inClose[today]
        if not TA_IS_ZERO(prevTR):
            minusDI = 100.0 * (prevMinusDM / prevTR)
            plusDI = 100.0 * (prevPlusDM / prevTR)
            tempReal = minusDI + plusDI
            if not TA_IS_ZERO(tempReal):
                return 100.0 * (abs(minusDI - plusDI) / tempReal)
        return None
    i = p
    while i > 0:
        i -= 1
        dx = step()
        if dx is not None:
            sumDX += dx
    prevADX = sumDX / p
    out = [prevADX]
    while today < endIdx:
        dx = step()
        if dx is not None:
            prevADX = ((prevADX * (p - 1)) + dx) / p
        out.append(prevADX)
    return startIdx, out


# ---- TA_STOCHF / TA_STOCH / TA_STOCHRSI / TA_WILLR -------------------------
def raw_k(trailingIdx, today, endIdx, inHigh, inLow, inClose, willr=False):
    out = []
    lowestIdx = highestIdx = -1
    diff = highest = lowest = 0.0
    div = -100.0 if willr else 100.0
    while today <= endIdx:
        tmp = inLow[today]
        if lowestIdx < trailingIdx:
            lowestIdx = trailingIdx
            lowest = inLow[lowestIdx]
            i = lowestIdx
            while True:
                i += 1
                if not i <= today:
                    break
                tmp = inLow[i]
                if tmp < lowest:
                    lowestIdx = i
                    lowest = tmp
            diff = (highest - lowest) / div
        elif tmp <= lowest:
            lowestIdx = today
            lowest = tmp
            diff = (highest - lowest) / div
        tmp = inHigh[today]
        if highestIdx < trailingIdx:
            highestIdx = trailingIdx
            highest = inHigh[highestIdx]
            i = highestIdx
            while True:
                i += 1
                if not i <= today:
                    break
                tmp = inHigh[i]
                if tmp > highest:
                    highestIdx = i
                    highest = tmp
            diff = (highest - lowest) / div
        elif tmp >= highest:
            highestIdx = today
            highest = tmp
            diff = (highest - lowest) / div
        if willr:
            out.append((highest - inClose[today]) / diff if diff != 0.0
                       else 0.0)
        else:
            out.append((inClose[today] - lowest) / diff if diff != 0.0
                       else 0.0)
        trailingIdx += 1
        today += 1
    return out


def TA_MA_SMA(startIdx, endIdx, inReal, p):
    if p == 1:
        return startIdx, list(inReal[startIdx:endIdx + 1])
    return TA_SMA(startIdx, endIdx, inReal, p)


def TA_STOCH(startIdx, endIdx, inHigh, inLow, inClose, fastk, slowk, slowd):
    lookbackK = fastk - 1
    lookbackKSlow = slowk - 1
    lookbackDSlow = slowd - 1
    lookbackTotal = lookbackK + lookbackDSlow + lookbackKSlow
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, [], []
    trailingIdx = startIdx - lookbackTotal
    today = trailingIdx + lookbackK
    tempBuffer = raw_k(trailingIdx, today, endIdx, inHigh, inLow, inClose)
    _, tempBuffer = TA_MA_SMA(0, len(tempBuffer) - 1, tempBuffer, slowk)
    _, outSlowD = TA_MA_SMA(0, len(tempBuffer) - 1, tempBuffer, slowd)
    outSlowK = tempBuffer[lookbackDSlow:lookbackDSlow + len(outSlowD)]
    return startIdx, outSlowK, outSlowD


def TA_STOCHF(startIdx, endIdx, inHigh, inLow, inClose, fastk, fastd):
    lookbackK = fastk - 1
    lookbackFastD = fastd - 1
    lookbackTotal = lookbackK + lookbackFastD
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, [], []
    trailingIdx = startIdx - lookbackTotal
    today = trailingIdx + lookbackK
    tempBuffer = raw_k(trailingIdx, today, endIdx, inHigh, inLow, inClose)
    _, outFastD = TA_MA_SMA(0, len(tempBuffer) - 1, tempBuffer, fastd)
    outFastK = tempBuffer[lookbackFastD:lookbackFastD + len(outFastD)]
    return startIdx, outFastK, outFastD


def TA_STOCHRSI(startIdx, endIdx, inReal, p, fastk, fastd):
    lookbackSTOCHF = (fastk - 1) + (fastd - 1)
    lookbackTotal = p + lookbackSTOCHF
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, [], []
    _, tempRSIBuffer = TA_RSI(startIdx - lookbackSTOCHF, endIdx, inReal, p)
    _, k, d = TA_STOCHF(0, len(tempRSIBuffer) - 1, tempRSIBuffer,
                        tempRSIBuffer, tempRSIBuffer, fastk, fastd)
    return startIdx, k, d


def TA_WILLR(startIdx, endIdx, inHigh, inLow, inClose, p):
    nbInitialElementNeeded = p - 1
    if startIdx < nbInitialElementNeeded:
        startIdx = nbInitialElementNeeded
    if startIdx > endIdx:
        return 0, []
    out = raw_k(startIdx - nbInitialElementNeeded, startIdx, endIdx, inHigh,
                inLow, inClose, willr=True)
    return startIdx, out


# ---- TA_CCI / TA_MFI / TA_OBV / TA_ROC / TA_MOM ---------------------------
def TA_CCI(startIdx, endIdx, inHigh, inLow, inClose, p):
    lookbackTotal = p - 1
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    circBuffer = [0.0] * p
    circBuffer_Idx = 0
    i = startIdx - lookbackTotal
    if p > 1:
        while i < startIdx:
            circBuffer[circBuffer_Idx] = (inHigh[i] + inLow[i] + inClose[i]) / 3
            i += 1
            circBuffer_Idx = (circBuffer_Idx + 1) % p
    out = []
    while True:
        lastValue = (inHigh[i] + inLow[i] + inClose[i]) / 3
        circBuffer[circBuffer_Idx] = lastValue
        theAverage = 0.0
        for j in range(p):
            theAverage += circBuffer[j]
        theAverage /= p
        tempReal2 = 0.0
        for j in range(p):
            tempReal2 += abs(circBuffer[j] - theAverage)
        tempReal = lastValue - theAverage
        if tempReal != 0.0 and tempReal2 != 0.0:
            out.append(tempReal / (0.015 * (tempReal2 / p)))
        else:
            out.append(0.0)
        circBuffer_Idx = (circBuffer_Idx + 1) % p
        i += 1
        if not i <= endIdx:
            break
    return startIdx, out


def TA_MFI(startIdx, endIdx, inHigh, inLow, inClose, inVolume, p):
    lookbackTotal = p
    if startIdx < lookbackTotal:
        startIdx = lookbackTotal
    if startIdx > endIdx:
        return 0, []
    pos = [0.0] * p
    neg = [0.0] * p
    mflow_Idx = 0
    out = []
    today = startIdx - lookbackTotal
    prevValue = (inHigh[today] + inLow[today] + inClose[today]) / 3.0
    posSumMF = 0.0
    negSumMF = 0.0
    today += 1

    def flow():
        nonlocal prevValue, today, posSumMF, negSumMF
        tempValue1 = (inHigh[today] + inLow[today] + inClose[today]) / 3.0
        tempValue2 = tempValue1 - prevValue
        prevValue = tempValue1
        tempValue1 *= inVolume[today]
        today += 1
        if tempValue2 < 0:
            neg[mflow_Idx] = tempValue1
            negSumMF += tempValue1
            pos[mflow_Idx] = 0.0
        elif tempValue2 > 0:
            pos[mflow_Idx] = tempValue1
            posSumMF += tempValue1
            neg[mflow_Idx] = 0.0
        else:
            pos[mflow_Idx] = 0.0
            neg[mflow_Idx] = 0.0
    for _ in range(p):
        flow()
        mflow_Idx = (mflow_Idx + 1) % p
    assert today > startIdx
    tempValue1 = posSumMF + negSumMF
    out.append(0.0 if tempValue1 < 1.0 else 100.0 * (posSumMF / tempValue1))
    while today <= endIdx:
        posSumMF -= pos[mflow_Idx]
        negSumMF -= neg[mflow_Idx]
        flow()
        tempValue1 = posSumMF + negSumMF
        out.append(0.0 if tempValue1 < 1.0
                   else 100.0 * (posSumMF / tempValue1))
        mflow_Idx = (mflow_Idx + 1) % p
    return startIdx, out


def TA_OBV(startIdx, endIdx, inReal, inVolume):
    prevOBV = inVolume[startIdx]
    prevReal = inReal[startIdx]
    out = []
    for i in range(startIdx, endIdx + 1):
        tempReal = inReal[i]
        if tempReal > prevReal:
            prevOBV += inVolume[i]
        elif tempReal < prevReal:
            prevOBV -= inVolume[i]
        out.append(prevOBV)
        prevReal = tempReal
    return startIdx, out


def TA_ROC(startIdx, endIdx, inReal, p):
    if startIdx < p:
        startIdx = p
    out = []
    inIdx = startIdx
    trailingIdx = startIdx - p
    while inIdx <= endIdx:
        tempReal = inReal[trailingIdx]
        trailingIdx += 1
        out.append(((inReal[inIdx] / tempReal) - 1.0) * 100.0
                   if tempReal != 0.0 else 0.0)
        inIdx += 1
    return startIdx, out


def TA_MOM(startIdx, endIdx, inReal, p):
    if startIdx < p:
        startIdx = p
    out = []
    inIdx = startIdx
    trailingIdx = startIdx - p
    while inIdx <= endIdx:
        out.append(inReal[inIdx] - inReal[trailingIdx])
        inIdx += 1
        trailingIdx += 1
    return startIdx, out


# ---- not in TA-Lib: textbook definitions ---------------------------------
def vwap_rolling(h, l, c, v, p):
    out = [None] * len(c)
    for t in range(p - 1, len(c)):
        spv = sv = 0.0
        for j in range(t - p + 1, t + 1):
            spv += ((h[j] + l[j] + c[j]) / 3.0) * v[j]
            sv += v[j]
        out[t] = spv / sv if sv != 0.0 else None
    return out


def vwap_session(ts, h, l, c, v):
    out = [None] * len(c)
    day = None
    for t in range(len(c)):
        d = ts[t] // 86400
        if d != day:
            day, spv, sv = d, 0.0, 0.0
        spv += ((h[t] + l[t] + c[t]) / 3.0) * v[t]
        sv += v[t]
        out[t] = spv / sv if sv != 0.0 else None
    return out


def donchian(h, l, p):
    up, mid, lo = ([None] * len(h) for _ in range(3))
    for t in range(p - 1, len(h)):
        hh = max(h[t - p + 1:t + 1])
        ll = min(l[t - p + 1:t + 1])
        up[t], mid[t], lo[t] = hh, (hh + ll) / 2.0, ll
    return up, mid, lo


# ---- driver ----------------------------------------------------------------
def compute(ts, o, h, l, c, v):
    n = len(c)
    e = n - 1
    cols = {}

    def put(name, beg, vals):
        cols[name] = place(n, beg, vals)

    for p in (20, 5):
        put("sma_%d" % p, *TA_SMA(0, e, c, p))
        put("ema_%d" % p, *TA_EMA(0, e, c, p))
        put("wma_%d" % p, *TA_WMA(0, e, c, p))
        put("dema_%d" % p, *TA_DEMA(0, e, c, p))
        put("tema_%d" % p, *TA_TEMA(0, e, c, p))
    put("kama_30", *TA_KAMA(0, e, c, 30))
    put("kama_10", *TA_KAMA(0, e, c, 10))
    for p in (14, 2):
        put("rsi_%d" % p, *TA_RSI(0, e, c, p))
    for f, s, g in ((12, 26, 9), (5, 35, 5), (3, 10, 1)):
        beg, m, sg, hi = TA_MACD(0, e, c, f, s, g)
        tag = "%d_%d_%d" % (f, s, g)
        put("macd_" + tag, beg, m)
        put("macd_signal_" + tag, beg, sg)
        put("macd_hist_" + tag, beg, hi)
    for p, d in ((20, 2.0), (10, 1.5)):
        beg, up, mid, lo = TA_BBANDS(0, e, c, p, d, d)
        tag = "%d_%s" % (p, repr(d).rstrip("0").rstrip("."))
        put("bbands_upper_" + tag, beg, up)
        put("bbands_middle_" + tag, beg, mid)
        put("bbands_lower_" + tag, beg, lo)
        pctb = [(c[beg + i] - lo[i]) / (up[i] - lo[i]) if up[i] != lo[i]
                else None for i in range(len(up))]
        width = [(up[i] - lo[i]) / mid[i] if mid[i] != 0.0 else None
                 for i in range(len(up))]
        put("bbands_pctb_" + tag, beg, pctb)
        put("bbands_width_" + tag, beg, width)
    put("stddev_20_1", *TA_STDDEV(0, e, c, 20, 1.0))
    put("stddev_5_2", *TA_STDDEV(0, e, c, 5, 2.0))
    for p in (14, 1):
        put("atr_%d" % p, *TA_ATR(0, e, h, l, c, p)) if p > 1 else \
            put("atr_1", *TA_TRANGE(0, e, h, l, c))
    put("natr_14", *TA_ATR(0, e, h, l, c, 14, natr=True))
    put("trange", *TA_TRANGE(0, e, h, l, c))
    for p in (14, 5):
        put("adx_%d" % p, *TA_ADX(0, e, h, l, c, p))
        put("plus_di_%d" % p, *TA_DI(0, e, h, l, c, p, True))
        put("minus_di_%d" % p, *TA_DI(0, e, h, l, c, p, False))
    beg, k, d = TA_STOCH(0, e, h, l, c, 5, 3, 3)
    put("stoch_k_5_3_3", beg, k)
    put("stoch_d_5_3_3", beg, d)
    beg, k, d = TA_STOCH(0, e, h, l, c, 14, 1, 3)
    put("stoch_k_14_1_3", beg, k)
    put("stoch_d_14_1_3", beg, d)
    beg, k, d = TA_STOCHF(0, e, h, l, c, 5, 3)
    put("stochf_k_5_3", beg, k)
    put("stochf_d_5_3", beg, d)
    beg, k, d = TA_STOCHRSI(0, e, c, 14, 5, 3)
    put("stochrsi_k_14_5_3", beg, k)
    put("stochrsi_d_14_5_3", beg, d)
    put("cci_14", *TA_CCI(0, e, h, l, c, 14))
    put("cci_20", *TA_CCI(0, e, h, l, c, 20))
    put("mfi_14", *TA_MFI(0, e, h, l, c, v, 14))
    put("obv", *TA_OBV(0, e, c, v))
    put("roc_10", *TA_ROC(0, e, c, 10))
    put("mom_10", *TA_MOM(0, e, c, 10))
    put("willr_14", *TA_WILLR(0, e, h, l, c, 14))
    cols["vwap_20"] = vwap_rolling(h, l, c, v, 20)
    cols["vwap_session"] = vwap_session(ts, h, l, c, v)
    up, mid, lo = donchian(h, l, 20)
    cols["donchian_upper_20"] = up
    cols["donchian_middle_20"] = mid
    cols["donchian_lower_20"] = lo
    eb, em = TA_EMA(0, e, c, 20)
    ab, at = TA_ATR(0, e, h, l, c, 20)
    em = place(n, eb, em)
    at = place(n, ab, at)
    for name, sgn in (("upper", 1), ("middle", 0), ("lower", -1)):
        cols["keltner_%s_20_2" % name] = [
            None if em[t] is None or at[t] is None else
            (em[t] if sgn == 0 else
             (em[t] + 2.0 * at[t] if sgn > 0 else em[t] - 2.0 * at[t]))
            for t in range(n)]
    return cols


def load_btc(path):
    rows = []
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        next(r)
        for x in r:
            rows.append((int(float(x[0])), float(x[3]), float(x[4]),
                         float(x[5]), float(x[6]), float(x[7])))
    rows.sort(key=lambda t: t[0])
    seen, out = set(), []
    for t in rows:
        if t[0] not in seen:
            seen.add(t[0])
            out.append(t)
    return out[3000:4500]


def load_spy(path):
    import datetime
    rows = []
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for x in r:
            d = datetime.datetime.strptime(x[0], "%Y-%m-%d").replace(
                tzinfo=datetime.timezone.utc)
            rows.append((int(d.timestamp()), float(x[1]), float(x[2]),
                         float(x[3]), float(x[4]), float(x[6])))
    return rows[:1000]


def write(path, rows):
    ts = [r[0] for r in rows]
    o, h, l, c, v = ([r[i] for r in rows] for i in range(1, 6))
    cols = compute(ts, o, h, l, c, v)
    names = list(cols)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ts", "open", "high", "low", "close", "volume"] + names)
        for t in range(len(rows)):
            w.writerow([ts[t], repr(o[t]), repr(h[t]), repr(l[t]),
                        repr(c[t]), repr(v[t])] +
                       ["" if cols[k][t] is None else repr(cols[k][t])
                        for k in names])


def main():
    data = os.environ.get("BP_SHARED_DATA",
                          os.path.join(HERE, "../../../../shared/data"))
    if not os.path.isdir(data):
        data = "/work/shared/data"
    write(os.path.join(HERE, "ta-btc.csv"),
          load_btc(os.path.join(data, "Binance_BTCUSDT_1h.csv")))
    write(os.path.join(HERE, "ta-spy.csv"),
          load_spy(os.path.join(data, "SPY.csv")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
