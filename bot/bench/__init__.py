"""`make bench`: latency, throughput, memory, start-up and training figures, beside the stock Rasa bot."""
