# bench/throughput.gp: write throughput against clients, flowstream and the
# baseline, synchronous_commit off (left) and on (right).  run.sh passes
# datafile (clients, flowstream off, baseline off, flowstream on, baseline on,
# flowstream with notifications off at synchronous_commit off) and outfile.
set terminal pngcairo size 1100,520 enhanced font 'DejaVu Sans,11'
set output outfile
set multiplot layout 1,2 title "Writes: one API call (flowstream) or one UPDATE + INSERT (baseline) per transaction, median tps"
set xlabel "clients"
set ylabel "transactions per second"
set logscale x 2
set xtics (1, 2, 4, 8)
set xrange [0.8:10]
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set grid ytics
set key top left
set title "synchronous\\_commit = off (CPU work)"
plot datafile using 1:3 with linespoints lw 2 pt 7 ps 1.2 lc rgb '#888888' title 'baseline', \
     datafile using 1:2 with linespoints lw 2 pt 7 ps 1.2 lc rgb '#1f77b4' title 'flowstream', \
     datafile using 1:6 with linespoints lw 2 pt 9 ps 1.2 lc rgb '#2ca02c' title 'flowstream, notifications off'
set title "synchronous\\_commit = on (flushed)"
plot datafile using 1:5 with linespoints lw 2 pt 5 ps 1.2 lc rgb '#888888' title 'baseline', \
     datafile using 1:4 with linespoints lw 2 pt 5 ps 1.2 lc rgb '#1f77b4' title 'flowstream'
unset multiplot
