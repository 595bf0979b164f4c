public enum RoundsConfigModule {}
