"""Operations: Rasa's runtime files, training, evaluation, retention and log privacy."""
