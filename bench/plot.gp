# One scaling chart: every column of a data file against its first (N),
# on log-log axes.  bench/run.py writes the data and calls, per chart:
#
#   gnuplot -e "data='x.dat'; out='x.png'; title='...'; ylabel='...'" bench/plot.gp
#
# The data file: a header line "N name1 name2 ..." (names quoted), then one
# line per N; a missing value is "NaN".
set terminal pngcairo size 800,500 font "DejaVu Sans,10"
set output out
set title title
set xlabel "N (processes)"
set ylabel ylabel
set logscale xy
set format x "10^{%L}"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key top left box opaque
set datafile missing "NaN"
ncols = system("head -n 1 '" . data . "' | awk -F'\"' '{print (NF - 1) / 2}'")
plot for [i = 2:ncols + 1] data using 1:i with linespoints lw 2 pt 7 ps 0.8 \
    title columnhead(i) noenhanced
