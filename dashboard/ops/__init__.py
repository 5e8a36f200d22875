"""Operations: the health of the deployment and of the screens that show it."""
